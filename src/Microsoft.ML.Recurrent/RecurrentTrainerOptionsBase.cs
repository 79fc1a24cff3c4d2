using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// The training options the language model, the sequence tagger and the series regressor share: the base of their
/// nested <c>Options</c> classes. A trainer whose defaults differ from the ones stated here sets its own in its
/// options' constructor (and says so there).
/// </summary>
public abstract class RecurrentTrainerOptionsBase
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

    /// <summary>Training epochs. Default 10.</summary>
    public int Epochs { get; set; } = RecurrentDefaults.Training.Epochs;

    /// <summary>Sequences per mini-batch. Default 32.</summary>
    public int BatchSize { get; set; } = RecurrentDefaults.Training.BatchSize;

    /// <summary>Dropout between stacked layers while training. Default 0.</summary>
    public float Dropout { get; set; } = RecurrentDefaults.Training.Dropout;

    /// <summary>Share of the training rows held out for validation and early stopping (0 for none). Default 0.</summary>
    public double ValidationFraction { get; set; } = RecurrentDefaults.Training.ValidationFraction;

    /// <summary>Stop after this many epochs without a better validation loss and keep the best weights (needs ValidationFraction above 0). Default null.</summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>Seed of the weights, the shuffling and the validation split. Default 0.</summary>
    public int Seed { get; set; } = RecurrentDefaults.Seed;

    /// <summary>Receives training progress. Default null.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>Splits off the validation share and trains the model with these options.</summary>
    internal TrainingResult Train(SequenceModel model, List<SequenceExample> examples)
    {
        var (train, validation) = ValidationSplit.Split(examples, ValidationFraction, Seed);
        return new SequenceTrainer(model, new TrainerOptions
        {
            Epochs = Epochs, BatchSize = BatchSize, Optimizer = Optimizer, LearningRate = LearningRate, Seed = Seed,
            EarlyStoppingPatience = validation is null ? null : EarlyStoppingPatience,
        }).Fit(train, validation, Progress);
    }
}
