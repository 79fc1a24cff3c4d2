using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// The training options the language model, the sequence tagger and the series regressor share: the base of their
/// nested <c>Options</c> classes. A trainer whose defaults differ from the ones stated here sets its own in its
/// options' constructor (and says so there).
/// </summary>
public abstract class RecurrentTrainerOptionsBase : IRecurrentTrainingOptions
{
    /// <summary>Creates the options with the shared defaults.</summary>
    private protected RecurrentTrainerOptionsBase()
    {
    }

    /// <summary>Longer sequences are cut (or read in windows) to this many steps. Default 256.</summary>
    public int MaxSequenceLength { get; set; } = RecurrentDefaults.Training.MaxSequenceLength;

    /// <summary>The recurrent cell. Default <see cref="RecurrentCellKind.Lstm"/>.</summary>
    public RecurrentCellKind Cell { get; set; } = RecurrentDefaults.Training.Cell;

    /// <summary>Hidden size of each recurrent layer (per direction). Default 64.</summary>
    public int HiddenSize { get; set; } = RecurrentDefaults.Training.HiddenSize;

    /// <summary>Stacked recurrent layers. Default 1.</summary>
    public int NumLayers { get; set; } = RecurrentDefaults.Training.NumLayers;

    /// <summary>The optimizer. Default <see cref="OptimizerKind.Adam"/>.</summary>
    public OptimizerKind Optimizer { get; set; } = RecurrentDefaults.Training.Optimizer;

    /// <summary>Learning rate. Default 0.002.</summary>
    public double LearningRate { get; set; } = RecurrentDefaults.Training.LearningRate;

    /// <summary>Most training epochs: training stops earlier once the validation loss has not improved for EarlyStoppingPatience epochs, or at TimeLimit. Default 10.</summary>
    public int Epochs { get; set; } = RecurrentDefaults.Training.Epochs;

    /// <summary>Sequences per mini-batch. Default 32.</summary>
    public int BatchSize { get; set; } = RecurrentDefaults.Training.BatchSize;

    /// <summary>Dropout between stacked layers while training. Default 0.</summary>
    public float Dropout { get; set; } = RecurrentDefaults.Training.Dropout;

    /// <summary>Share of the training rows held out for validation and early stopping (0 for none; the series regressor holds out the last rows, in order). Default 0.1.</summary>
    public double ValidationFraction { get; set; } = RecurrentDefaults.Training.ValidationFraction;

    /// <summary>Stop after this many epochs without a better validation loss and keep the best weights (needs ValidationFraction above 0). Default 3.</summary>
    public int? EarlyStoppingPatience { get; set; } = RecurrentDefaults.Training.EarlyStoppingPatience;

    /// <summary>Embedding dropout while training: the probability of dropping a whole word type (a row of the embedding matrix) for a mini-batch, the rest scaled by 1/(1-p). Default 0.</summary>
    public float EmbeddingDropout { get; set; } = RecurrentDefaults.Training.EmbeddingDropout;

    /// <summary>Locked dropout on the embeddings while training: one mask per sequence over the embedding units, reused at every step. Default 0.</summary>
    public float InputDropout { get; set; } = RecurrentDefaults.Training.InputDropout;

    /// <summary>DropConnect on the hidden-to-hidden weights while training: one mask per mini-batch. Default 0.</summary>
    public float WeightDropout { get; set; } = RecurrentDefaults.Training.WeightDropout;

    /// <summary>Locked dropout on what the output layer reads while training (the pooled summary, or every step's output). Default 0.</summary>
    public float OutputDropout { get; set; } = RecurrentDefaults.Training.OutputDropout;

    /// <summary>Weight decay of the optimizer (L2 for Adam, SGD, RMSprop and Adagrad; decoupled for AdamW). Default 0.</summary>
    public double WeightDecay { get; set; } = RecurrentDefaults.Training.WeightDecay;

    /// <summary>
    /// Stop training once it has run this long (checked after every mini-batch), keeping the best weights so far; null for
    /// no limit. A run that reaches it depends on the machine's speed, so set null for runs that must repeat exactly. Default 00:05:00.
    /// </summary>
    public TimeSpan? TimeLimit { get; set; } = RecurrentDefaults.TimeLimit;

    /// <summary>Seed of the weights, the shuffling and the validation split. Default 0.</summary>
    public int Seed { get; set; } = RecurrentDefaults.Seed;

    /// <summary>Receives training progress. Default null.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>
    /// Splits off the validation share (at random, or the last part in order for a series) and trains the model with
    /// these options; with validation data it stops early and keeps the best epoch's weights.
    /// </summary>
    internal TrainingResult Train(SequenceModel model, List<SequenceExample> examples, bool holdOutLast = false)
    {
        var (train, validation) = holdOutLast ? ValidationSplit.SplitLast(examples, ValidationFraction) : ValidationSplit.Split(examples, ValidationFraction, Seed);
        return new SequenceTrainer(model, RecurrentTraining.Create(this, validation is not null)).Fit(train, validation, Progress);
    }
}
