namespace Microsoft.ML.Recurrent.Models;

/// <summary>
/// One training or prediction example: a sequence (token ids or numeric steps) and, for training, its target.
/// </summary>
public sealed class SequenceExample
{
    /// <summary>Token ids (token models), one per step.</summary>
    public int[]? Tokens { get; init; }

    /// <summary>
    /// The character ids of every token (character-aware models, <see cref="SequenceModelOptions.CharacterVocabularySize"/>):
    /// one non-empty array per step, e.g. from <see cref="Text.CharacterVocabulary.Encode(IEnumerable{string})"/>. Unseen words
    /// share the unknown token id but keep their characters. Null for models without characters.
    /// </summary>
    public int[][]? Characters { get; init; }

    /// <summary>Numeric input (feature models): steps × features, row-major.</summary>
    public float[]? Features { get; init; }

    /// <summary>The class of the sequence (classification).</summary>
    public int Label { get; init; } = -1;

    /// <summary>One class per step (tagging), or the next token at every step (language model); -1 marks a step without a target.</summary>
    public int[]? StepLabels { get; init; }

    /// <summary>The numbers to predict (regression).</summary>
    public float[]? Targets { get; init; }

    /// <summary>An example of token ids without a target, for prediction.</summary>
    /// <param name="tokens">Token ids, one per step.</param>
    /// <returns>The example.</returns>
    public static SequenceExample ForPrediction(int[] tokens) => new() { Tokens = tokens };

    /// <summary>An example of token ids and their characters without a target, for prediction by a character-aware model.</summary>
    /// <param name="tokens">Token ids, one per step.</param>
    /// <param name="characters">The character ids of each token.</param>
    /// <returns>The example.</returns>
    public static SequenceExample ForPrediction(int[] tokens, int[][]? characters) => new() { Tokens = tokens, Characters = characters };

    /// <summary>A numeric series without a target, for prediction.</summary>
    /// <param name="features">Steps × features, row-major.</param>
    /// <returns>The example.</returns>
    public static SequenceExample ForPrediction(float[] features) => new() { Features = features };

    /// <summary>An example of token ids with a class label.</summary>
    public static SequenceExample ForClassification(int[] tokens, int label) => new() { Tokens = tokens, Label = label };

    /// <summary>An example of token ids with one label per step.</summary>
    public static SequenceExample ForTagging(int[] tokens, int[] tags) => new() { Tokens = tokens, StepLabels = tags };

    /// <summary>A language-model example: inputs are tokens[0..n-2], targets tokens[1..n-1].</summary>
    public static SequenceExample ForLanguageModel(ReadOnlySpan<int> tokens) =>
        new() { Tokens = tokens[..^1].ToArray(), StepLabels = tokens[1..].ToArray() };

    /// <summary>A numeric series (steps × features) with regression targets.</summary>
    public static SequenceExample ForRegression(float[] features, float[] targets) => new() { Features = features, Targets = targets };

    /// <summary>Number of steps, given the features per step of a numeric model.</summary>
    public int StepCount(int featuresPerStep) => Tokens?.Length ?? (Features is null ? 0 : Features.Length / Math.Max(1, featuresPerStep));
}
