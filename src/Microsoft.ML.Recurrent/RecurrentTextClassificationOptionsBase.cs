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
    /// Adds two columns: <c>AttributionTokens</c> (the tokens the model read, as text) and <c>Attributions</c> (one
    /// integrated-gradients contribution per token; see docs/explain.md). Binary: towards <c>true</c> (the Score);
    /// multiclass: towards the predicted class. Costs about 34 forward/backward passes per row. Default false.
    /// </summary>
    public bool OutputAttributions { get; set; }

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
