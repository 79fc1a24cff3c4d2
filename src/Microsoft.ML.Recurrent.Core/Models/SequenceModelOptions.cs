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
    /// Character-aware words: the size of the character vocabulary (<see cref="Text.CharacterVocabulary.Count"/>), or 0 for
    /// none. When set, each token's characters (<see cref="SequenceExample.Characters"/>) pass through a character CNN
    /// (Kim et al. 2016: character embedding, convolutions of widths 1..<see cref="CharacterMaxWidth"/>, max over the word's
    /// positions, tanh) whose output is concatenated after the token embedding. Classification and tagging only. Default 0;
    /// allowed 0, or 4 to <see cref="Text.CharacterVocabulary.ReservedCount"/> + <see cref="Text.CharacterVocabulary.MaxCharacters"/>.
    /// </summary>
    public int CharacterVocabularySize { get; init; }

    /// <summary>Width of the character embedding (character-aware words only). Default 16; allowed 1 to 1024.</summary>
    public int CharacterEmbeddingSize { get; init; } = 16;

    /// <summary>Filters per convolution width (character-aware words only). Default 32; allowed 1 to 4096.</summary>
    public int CharacterFilters { get; init; } = 32;

    /// <summary>The character convolutions have widths 1 to this (character-aware words only). Default 3; allowed 1 to 16.</summary>
    public int CharacterMaxWidth { get; init; } = 3;

    /// <summary>
    /// Wide and deep (Cheng et al. 2016): the number of hash buckets of a linear part over the sequence's token n-grams
    /// (lengths 1 to <see cref="NgramMaxLength"/>), or 0 for none. Each n-gram occurrence adds its bucket's row of
    /// <c>ngram.weight</c> (buckets, C) to the classification head's logits. Token classification only. Default 0;
    /// allowed 0 to <see cref="MaxNgramBuckets"/>.
    /// </summary>
    public int NgramBuckets { get; init; }

    /// <summary>The longest n-gram of the linear part (with <see cref="NgramBuckets"/>): 1 for words, 2 adds bigrams. Default 2; allowed 1 to 4.</summary>
    public int NgramMaxLength { get; init; } = 2;

    /// <summary>
    /// With <see cref="NgramBuckets"/>: the n-gram part is a classifier of its own beside the recurrent one (an ensemble)
    /// rather than a term of its logits. It has its own bias <c>ngram.bias</c> (C); each part has its own cross-entropy in
    /// training (their gradients are independent), its own early stopping and its own temperature, and the model predicts
    /// the mean of the two parts' probabilities: the logits it gives are log((softmax(z_rnn) + softmax(z_ngram)) / 2).
    /// Default false (the n-gram part adds to the recurrent part's logits).
    /// </summary>
    public bool NgramEnsemble { get; init; }

    /// <summary>
    /// Regression over numeric features only: the model predicts the change from the last step's input, which it adds back:
    /// output j = head_j + x[T−1, j], a skip connection from the last value to the output (needs <see cref="OutputSize"/>
    /// at most <see cref="InputFeatures"/>). A one-step forecaster then starts from persistence (the last value) and
    /// learns the correction, so a series that trends beyond its training range keeps its level instead of saturating.
    /// The parameters and their gradients are those of the head without the skip (the added input is a constant).
    /// Default false.
    /// </summary>
    public bool PredictChange { get; init; }

    /// <summary>The most hash buckets of the linear n-gram part: 2^22.</summary>
    public const int MaxNgramBuckets = 1 << 22;

    /// <summary>Whether the model has a linear part over hashed token n-grams.</summary>
    public bool UsesNgrams => NgramBuckets > 0;

    /// <summary>Whether tokens are also read as their characters.</summary>
    public bool UsesCharacters => CharacterVocabularySize > 0;

    /// <summary>Width of a word's character representation: filters × widths, or 0 without characters.</summary>
    public int CharacterFeatureSize => UsesCharacters ? CharacterFilters * CharacterMaxWidth : 0;

    /// <summary>
    /// Language models only: the head's weight is the embedding (PyTorch: <c>fc.weight = embedding.weight</c>; Press and
    /// Wolf 2017), so the model has V·E fewer parameters and both uses of the tensor train it (their gradients add).
    /// Needs <see cref="EmbeddingSize"/> equal to <see cref="HiddenSize"/>. The shared tensor starts as a head's weight,
    /// U(±1/sqrt(H)), as AWD-LSTM's and PyTorch's word-language-model example start theirs small (U(±0.1)): from the
    /// embedding's N(0, 1), rows of norm sqrt(E), what training adds stays buried under the start. A model file has no
    /// field for tying: <see cref="Serialization.RecurrentModelFile"/> holds an untied copy whose <c>fc.weight</c> equals
    /// the embedding, which predicts identically and, if trained further, trains the two tensors apart. Default false.
    /// </summary>
    public bool TieWeights { get; init; }

    /// <summary>Whether the recurrent stack runs in both directions, after applying the task default.</summary>
    public bool IsBidirectional => Bidirectional ?? Task == SequenceTask.Tagging;

    /// <summary>Whether inputs are token ids (else numeric feature vectors).</summary>
    public bool UsesTokens => VocabularySize > 0;

    /// <summary>Width of one input step: the embedding size for tokens, else the feature count.</summary>
    public int StepInputSize => UsesTokens ? EmbeddingSize + CharacterFeatureSize : InputFeatures;

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
        ValidateCharacters();
        ValidateNgrams();
        if (PredictChange && (Task != SequenceTask.Regression || UsesTokens || OutputSize > InputFeatures))
        {
            throw new ArgumentException(
                $"PredictChange adds the last step's input to the output: it needs a Regression over numeric features with OutputSize at most InputFeatures; this is a {Task} over {(UsesTokens ? "tokens" : $"{InputFeatures} feature(s)")} with OutputSize {OutputSize}.",
                nameof(PredictChange));
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

    private void ValidateCharacters()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(CharacterVocabularySize, nameof(CharacterVocabularySize));
        if (!UsesCharacters)
        {
            return;
        }
        if (!UsesTokens || Task is not (SequenceTask.Classification or SequenceTask.Tagging))
        {
            throw new ArgumentOutOfRangeException(nameof(CharacterVocabularySize), CharacterVocabularySize,
                "Character-aware words need token input and a Classification or Tagging task; use 0 otherwise.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(CharacterVocabularySize, Text.CharacterVocabulary.ReservedCount + 1, nameof(CharacterVocabularySize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(CharacterVocabularySize, Text.CharacterVocabulary.ReservedCount + Text.CharacterVocabulary.MaxCharacters, nameof(CharacterVocabularySize));
        ArgumentOutOfRangeException.ThrowIfLessThan(CharacterEmbeddingSize, 1, nameof(CharacterEmbeddingSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(CharacterEmbeddingSize, 1024, nameof(CharacterEmbeddingSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(CharacterFilters, 1, nameof(CharacterFilters));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(CharacterFilters, 4096, nameof(CharacterFilters));
        ArgumentOutOfRangeException.ThrowIfLessThan(CharacterMaxWidth, 1, nameof(CharacterMaxWidth));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(CharacterMaxWidth, 16, nameof(CharacterMaxWidth));
    }

    private void ValidateNgrams()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(NgramBuckets, nameof(NgramBuckets));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(NgramBuckets, MaxNgramBuckets, nameof(NgramBuckets));
        if (!UsesNgrams)
        {
            if (NgramEnsemble)
            {
                throw new ArgumentException("NgramEnsemble needs the n-gram part: set NgramBuckets above 0, or NgramEnsemble to false.", nameof(NgramEnsemble));
            }
            return;
        }
        if (!UsesTokens || Task != SequenceTask.Classification)
        {
            throw new ArgumentOutOfRangeException(nameof(NgramBuckets), NgramBuckets, "The linear n-gram part needs token input and a Classification task; use 0 otherwise.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(NgramMaxLength, 1, nameof(NgramMaxLength));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(NgramMaxLength, 4, nameof(NgramMaxLength));
    }
}
