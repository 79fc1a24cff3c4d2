namespace Microsoft.ML.Recurrent.Training;

/// <summary>A progress report of a <see cref="SequenceTrainer"/>: after every optimizer step and at the end of every epoch.</summary>
public sealed record TrainingProgress
{
    /// <summary>Whether this report closes an epoch (then the validation figures are set when there is validation data).</summary>
    public bool IsEpochEnd { get; init; }

    /// <summary>The epoch, from 1.</summary>
    public int Epoch { get; init; }

    /// <summary>Optimizer steps so far, in all.</summary>
    public long Step { get; init; }

    /// <summary>Mini-batches done in this epoch.</summary>
    public int BatchInEpoch { get; init; }

    /// <summary>Mini-batches per epoch.</summary>
    public int BatchesPerEpoch { get; init; }

    /// <summary>Mean training loss of this epoch so far.</summary>
    public double Loss { get; init; }

    /// <summary>The learning rate of the last step.</summary>
    public double LearningRate { get; init; }

    /// <summary>Training throughput: sequence steps (tokens) per second in this epoch.</summary>
    public double TokensPerSecond { get; init; }

    /// <summary>Estimated time to the end of training (from the epochs and step budget).</summary>
    public TimeSpan EstimatedTimeRemaining { get; init; }

    /// <summary>Validation figures at the end of an epoch, or null.</summary>
    public EvaluationResult? Validation { get; init; }
}
