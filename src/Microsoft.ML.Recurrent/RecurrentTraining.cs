using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>The training options both options bases share, so that one place turns them into the engine's options.</summary>
internal interface IRecurrentTrainingOptions
{
    int Epochs { get; }
    int BatchSize { get; }
    OptimizerKind Optimizer { get; }
    double LearningRate { get; }
    double WeightDecay { get; }
    float EmbeddingDropout { get; }
    float InputDropout { get; }
    float WeightDropout { get; }
    float OutputDropout { get; }
    int? EarlyStoppingPatience { get; }
    TimeSpan? TimeLimit { get; }
    int Seed { get; }
}

/// <summary>How every plugin trainer trains: the engine's options from the user's, and the default hold-out.</summary>
internal static class RecurrentTraining
{
    /// <summary>
    /// The engine's options. Early stopping (which restores the best weights) runs only with validation data; without
    /// it the last epoch's weights are kept.
    /// </summary>
    public static TrainerOptions Create(IRecurrentTrainingOptions o, bool hasValidation, bool bucketByLength = true) => new()
    {
        Epochs = o.Epochs, BatchSize = o.BatchSize, Optimizer = o.Optimizer, LearningRate = o.LearningRate, WeightDecay = o.WeightDecay,
        Seed = o.Seed, TimeLimit = o.TimeLimit, BucketByLength = bucketByLength,
        EarlyStoppingPatience = hasValidation ? o.EarlyStoppingPatience : null,
        Regularization = new RegularizationOptions
        {
            EmbeddingDropout = o.EmbeddingDropout, InputDropout = o.InputDropout, WeightDropout = o.WeightDropout, OutputDropout = o.OutputDropout,
        },
    };
}
