using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// The options the recurrent text classifiers share: the base of <see cref="RecurrentTextBinaryTrainer.Options"/>
/// and <see cref="RecurrentTextMulticlassTrainer.Options"/>.
/// </summary>
public abstract class RecurrentTextClassificationOptionsBase
{
    /// <summary>Creates the options with the text classifiers' defaults.</summary>
    private protected RecurrentTextClassificationOptionsBase()
    {
    }

    /// <summary>The label column: <see cref="bool"/> for the binary classifier, a key for the multiclass one. Default "Label".</summary>
    public string LabelColumnName { get; set; } = RecurrentDefaults.LabelColumnName;

    /// <summary>The input text column: <see cref="string"/> (text). It is tokenized inside the model. Default "Text".</summary>
    public string TextColumnName { get; set; } = RecurrentDefaults.TextColumnName;

    /// <summary>Tokenize into words (true, lower-cased, punctuation split) or into characters (false). Default true.</summary>
    public bool WordTokens { get; set; } = RecurrentDefaults.TextClassification.WordTokens;

    /// <summary>Tokens seen fewer times than this in the training data map to the unknown token. Default 1.</summary>
    public int MinTokenCount { get; set; } = RecurrentDefaults.TextClassification.MinTokenCount;

    /// <summary>Longer inputs are truncated to their first this-many tokens, in training and prediction. Default 256.</summary>
    public int MaxSequenceLength { get; set; } = RecurrentDefaults.TextClassification.MaxSequenceLength;

    /// <summary>The recurrent cell. Default <see cref="RecurrentCellKind.Lstm"/>.</summary>
    public RecurrentCellKind Cell { get; set; } = RecurrentDefaults.TextClassification.Cell;

    /// <summary>Token embedding width. Default 64.</summary>
    public int EmbeddingSize { get; set; } = RecurrentDefaults.TextClassification.EmbeddingSize;

    /// <summary>Hidden size of each recurrent layer. Default 64.</summary>
    public int HiddenSize { get; set; } = RecurrentDefaults.TextClassification.HiddenSize;

    /// <summary>Stacked recurrent layers. Default 1.</summary>
    public int NumLayers { get; set; } = RecurrentDefaults.TextClassification.NumLayers;

    /// <summary>Bidirectional layers. Default true.</summary>
    public bool Bidirectional { get; set; } = RecurrentDefaults.TextClassification.Bidirectional;

    /// <summary>Dropout between stacked layers while training. Default 0.</summary>
    public float Dropout { get; set; } = RecurrentDefaults.TextClassification.Dropout;

    /// <summary>How a sequence is summarised for the classifier head. Default <see cref="SequencePooling.Max"/>.</summary>
    public SequencePooling Pooling { get; set; } = RecurrentDefaults.TextClassification.Pooling;

    /// <summary>The optimizer. Default <see cref="OptimizerKind.Adam"/>.</summary>
    public OptimizerKind Optimizer { get; set; } = RecurrentDefaults.TextClassification.Optimizer;

    /// <summary>Learning rate. Default 0.003.</summary>
    public double LearningRate { get; set; } = RecurrentDefaults.TextClassification.LearningRate;

    /// <summary>Training epochs. Default 10.</summary>
    public int Epochs { get; set; } = RecurrentDefaults.TextClassification.Epochs;

    /// <summary>Sequences per mini-batch. Default 16.</summary>
    public int BatchSize { get; set; } = RecurrentDefaults.TextClassification.BatchSize;

    /// <summary>Share of the training rows held out for validation and early stopping (0 for none). Default 0.</summary>
    public double ValidationFraction { get; set; } = RecurrentDefaults.TextClassification.ValidationFraction;

    /// <summary>
    /// Validation data (same columns as the training data; for the multiclass trainer, a key label with the training
    /// label's classes in the same order, e.g. mapped by the same MapValueToKey transformer); overrides
    /// <see cref="ValidationFraction"/>. Default null.
    /// </summary>
    public IDataView? ValidationSet { get; set; }

    /// <summary>Stop after this many epochs without a better validation loss and keep the best weights (needs validation data). Default null.</summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>Seed of the weights, the shuffling and the validation split. Default 0.</summary>
    public int Seed { get; set; } = RecurrentDefaults.Seed;

    /// <summary>
    /// A trained word-level language model (a <see cref="RecurrentLanguageModelEstimator"/>'s transformer, or one loaded with
    /// <c>Model.Load</c>) whose embedding and recurrent layers become the classifier's encoder, fine-tuned ULMFiT's way:
    /// each lower layer at the learning rate of the one above divided by 2.6, one more layer unfrozen per epoch from the
    /// head down, and a slanted triangular learning rate over the run (<see cref="Training.FineTuningOptions"/>). The
    /// classifier then uses the language model's tokenizer, vocabulary and sizes, and runs forward only: WordTokens must
    /// match the language model, and <see cref="MinTokenCount"/>, <see cref="Cell"/>, <see cref="EmbeddingSize"/>,
    /// <see cref="HiddenSize"/>, <see cref="NumLayers"/> and <see cref="Bidirectional"/> are not used. The fine-tuned
    /// classifier saves and loads as any other (the language model is not needed at prediction time). Default null.
    /// </summary>
    public ITransformer? PretrainedLanguageModel { get; set; }

    /// <summary>Receives training progress (per step and per epoch). Default null.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    // The settings both text classifiers check when they are created (columns are checked against the data).
    internal static void Check(RecurrentTextClassificationOptionsBase options)
    {
        ArgumentException.ThrowIfNullOrEmpty(options.LabelColumnName, nameof(options));
        ArgumentException.ThrowIfNullOrEmpty(options.TextColumnName, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSequenceLength, 1, nameof(options));
        if (!(options.ValidationFraction >= 0 && options.ValidationFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ValidationFraction, "ValidationFraction must be in [0, 1).");
        }
    }
}
