using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>Options of the recurrent binary text classifier (<see cref="RecurrentCatalog.RecurrentTextClassifier(BinaryClassificationCatalog.BinaryClassificationTrainers, RecurrentTextClassifierOptions)"/>).</summary>
public sealed class RecurrentTextClassifierOptions
{
    /// <summary>The label column: <see cref="bool"/>. Default "Label".</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>The input text column: <see cref="string"/> (text). It is tokenized inside the model. Default "Text".</summary>
    public string TextColumnName { get; set; } = "Text";

    /// <summary>Tokenize into words (true, lower-cased, punctuation split) or into characters (false). Default true.</summary>
    public bool WordTokens { get; set; } = true;

    /// <summary>Tokens seen fewer times than this in the training data map to the unknown token. Default 1.</summary>
    public int MinTokenCount { get; set; } = 1;

    /// <summary>Longer inputs are truncated to their first this-many tokens, in training and prediction. Default 256.</summary>
    public int MaxSequenceLength { get; set; } = 256;

    /// <summary>The recurrent cell. Default <see cref="RecurrentCellKind.Lstm"/>.</summary>
    public RecurrentCellKind Cell { get; set; } = RecurrentCellKind.Lstm;

    /// <summary>Token embedding width. Default 64.</summary>
    public int EmbeddingSize { get; set; } = 64;

    /// <summary>Hidden size of each recurrent layer. Default 64.</summary>
    public int HiddenSize { get; set; } = 64;

    /// <summary>Stacked recurrent layers. Default 1.</summary>
    public int NumLayers { get; set; } = 1;

    /// <summary>Bidirectional layers. Default true.</summary>
    public bool Bidirectional { get; set; } = true;

    /// <summary>Dropout between stacked layers while training. Default 0.</summary>
    public float Dropout { get; set; }

    /// <summary>How a sequence is summarised for the classifier head. Default <see cref="SequencePooling.Max"/>.</summary>
    public SequencePooling Pooling { get; set; } = SequencePooling.Max;

    /// <summary>The optimizer. Default Adam.</summary>
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.Adam;

    /// <summary>Learning rate. Default 0.003.</summary>
    public double LearningRate { get; set; } = 3e-3;

    /// <summary>Training epochs. Default 10.</summary>
    public int Epochs { get; set; } = 10;

    /// <summary>Sequences per mini-batch. Default 16.</summary>
    public int BatchSize { get; set; } = 16;

    /// <summary>Share of the training rows held out for validation and early stopping (0 for none). Default 0.</summary>
    public double ValidationFraction { get; set; }

    /// <summary>
    /// Validation data (same columns as the training data; for the multiclass trainer, a key label with the training
    /// label's classes in the same order, e.g. mapped by the same MapValueToKey transformer); overrides
    /// <see cref="ValidationFraction"/>. Default null.
    /// </summary>
    public IDataView? ValidationSet { get; set; }

    /// <summary>Stop after this many epochs without a better validation loss and keep the best weights (needs validation data). Default null.</summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>Seed of the weights, the shuffling and the validation split. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>Receives training progress (per step and per epoch). Default null.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    // The settings both text classifiers check when they are created (columns are checked against the data).
    internal static void Check(RecurrentTextClassifierOptions options)
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
