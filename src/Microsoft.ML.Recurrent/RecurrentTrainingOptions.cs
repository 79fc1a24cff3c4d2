using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// The training options every recurrent trainer of the plugin shares (language model, tagger, series regressor).
/// Each options class sets its own defaults in its constructor.
/// </summary>
public abstract class RecurrentTrainingOptions
{
    /// <summary>Longer sequences are cut (or read in windows) to this many steps.</summary>
    public int MaxSequenceLength { get; set; } = 256;

    /// <summary>The recurrent cell.</summary>
    public RecurrentCellKind Cell { get; set; } = RecurrentCellKind.Lstm;

    /// <summary>Hidden size of each recurrent layer (per direction).</summary>
    public int HiddenSize { get; set; } = 64;

    /// <summary>Stacked recurrent layers. Default 1.</summary>
    public int NumLayers { get; set; } = 1;

    /// <summary>The optimizer. Default Adam.</summary>
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.Adam;

    /// <summary>Learning rate.</summary>
    public double LearningRate { get; set; } = 2e-3;

    /// <summary>Training epochs.</summary>
    public int Epochs { get; set; } = 10;

    /// <summary>Sequences per mini-batch. Default 32.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>Dropout between stacked layers while training. Default 0.</summary>
    public float Dropout { get; set; }

    /// <summary>Share of the training rows held out for validation and early stopping (0 for none). Default 0.</summary>
    public double ValidationFraction { get; set; }

    /// <summary>Stop after this many epochs without a better validation loss and keep the best weights (needs ValidationFraction above 0). Default null.</summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>Seed of the weights, the shuffling and the validation split. Default 0.</summary>
    public int Seed { get; set; }

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
