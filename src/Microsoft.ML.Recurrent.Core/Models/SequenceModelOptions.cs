using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Models;

/// <summary>The architecture of a <see cref="SequenceModel"/>: input (token embedding or numeric features), recurrent stack, head.</summary>
public sealed record SequenceModelOptions
{
    /// <summary>What the model predicts. Default <see cref="SequenceTask.Classification"/>.</summary>
    public SequenceTask Task { get; init; } = SequenceTask.Classification;

    /// <summary>Number of token ids for token input (ids 0..V-1), or 0 for numeric features. Default 0.</summary>
    public int VocabularySize { get; init; }

    /// <summary>Width of the token embedding (token input only). Default 64.</summary>
    public int EmbeddingSize { get; init; } = 64;

    /// <summary>Numeric features per step (numeric input only, when <see cref="VocabularySize"/> is 0). Default 1.</summary>
    public int InputFeatures { get; init; } = 1;

    /// <summary>The recurrent cell. Default <see cref="RecurrentCellKind.Lstm"/>.</summary>
    public RecurrentCellKind Cell { get; init; } = RecurrentCellKind.Lstm;

    /// <summary>Hidden size of every recurrent layer. Default 128; allowed 1 to 8192.</summary>
    public int HiddenSize { get; init; } = 128;

    /// <summary>Stacked recurrent layers. Default 1; allowed 1 to 16.</summary>
    public int NumLayers { get; init; } = 1;

    /// <summary>Bidirectional layers; null picks the task's default (true for tagging, else false). A language model cannot be bidirectional.</summary>
    public bool? Bidirectional { get; init; }

    /// <summary>Dropout probability between stacked layers while training (PyTorch's <c>dropout</c> argument). Default 0; allowed [0, 1).</summary>
    public float Dropout { get; init; }

    /// <summary>How classification and regression heads summarise a sequence. Default <see cref="SequencePooling.Last"/>.</summary>
    public SequencePooling Pooling { get; init; } = SequencePooling.Last;

    /// <summary>
    /// Head outputs: classes for classification and tagging (at least 2), outputs for regression (at least 1).
    /// Ignored by a language model, whose head has <see cref="VocabularySize"/> outputs.
    /// </summary>
    public int OutputSize { get; init; } = 2;

    /// <summary>LSTM only: initial value of the forget-gate bias (e.g. 1); null keeps PyTorch's uniform initialisation.</summary>
    public float? ForgetGateBias { get; init; }

    /// <summary>
    /// Language models only: the head's weight is the embedding (PyTorch: <c>fc.weight = embedding.weight</c>; Press and
    /// Wolf 2017), so the model has V·E fewer parameters and both uses of the tensor train it (their gradients add).
    /// Needs <see cref="EmbeddingSize"/> equal to <see cref="HiddenSize"/>. The shared tensor keeps the embedding's
    /// initialisation. A model file has no field for tying (format version 1): <see cref="Serialization.RecurrentModelFile"/>
    /// holds an untied copy whose <c>fc.weight</c> equals the embedding, which predicts identically and, if trained further,
    /// trains the two tensors apart. Default false.
    /// </summary>
    public bool TieWeights { get; init; }

    /// <summary>Whether the recurrent stack runs in both directions, after applying the task default.</summary>
    public bool IsBidirectional => Bidirectional ?? Task == SequenceTask.Tagging;

    /// <summary>Whether inputs are token ids (else numeric feature vectors).</summary>
    public bool UsesTokens => VocabularySize > 0;

    /// <summary>Width of one input step: the embedding size for tokens, else the feature count.</summary>
    public int StepInputSize => UsesTokens ? EmbeddingSize : InputFeatures;

    /// <summary>Number of head outputs after applying the task's rules.</summary>
    public int HeadOutputs => Task == SequenceTask.LanguageModel ? VocabularySize : OutputSize;

    /// <summary>Throws an exception naming the first option that is out of its allowed range.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Task))
        {
            throw new ArgumentOutOfRangeException(nameof(Task), Task, "Task must be Classification, LanguageModel, Tagging or Regression.");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(VocabularySize, nameof(VocabularySize));
        if (UsesTokens)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(EmbeddingSize, 1, nameof(EmbeddingSize));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(EmbeddingSize, 8192, nameof(EmbeddingSize));
        }
        else
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(InputFeatures, 1, nameof(InputFeatures));
        }
        if (Task == SequenceTask.LanguageModel && !UsesTokens)
        {
            throw new ArgumentOutOfRangeException(nameof(VocabularySize), VocabularySize, "A language model needs token input: VocabularySize must be at least 2.");
        }
        if (Task == SequenceTask.LanguageModel && IsBidirectional)
        {
            throw new ArgumentException("A language model predicts the next token, so it cannot see the future: Bidirectional must be false.", nameof(Bidirectional));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(HiddenSize, 1, nameof(HiddenSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(HiddenSize, 8192, nameof(HiddenSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(NumLayers, 1, nameof(NumLayers));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(NumLayers, 16, nameof(NumLayers));
        if (!(Dropout >= 0f && Dropout < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, "Dropout must be in [0, 1).");
        }
        if (!Enum.IsDefined(Pooling))
        {
            throw new ArgumentOutOfRangeException(nameof(Pooling), Pooling, "Pooling must be Last, Mean, Max or Concat.");
        }
        if (TieWeights && (Task != SequenceTask.LanguageModel || EmbeddingSize != HiddenSize))
        {
            throw new ArgumentException($"TieWeights shares the embedding (V, E) with the head (V, H): it needs a LanguageModel with EmbeddingSize equal to HiddenSize; this is a {Task} with EmbeddingSize {EmbeddingSize} and HiddenSize {HiddenSize}.", nameof(TieWeights));
        }
        int minOutputs = Task == SequenceTask.Regression ? 1 : 2;
        if (HeadOutputs < minOutputs)
        {
            throw new ArgumentOutOfRangeException(Task == SequenceTask.LanguageModel ? nameof(VocabularySize) : nameof(OutputSize), HeadOutputs,
                $"A {Task} head needs at least {minOutputs} outputs.");
        }
    }
}
