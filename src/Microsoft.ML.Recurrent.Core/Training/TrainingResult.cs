namespace Microsoft.ML.Recurrent.Training;

/// <summary>What a training run did: its per-epoch history and how it ended.</summary>
public sealed record TrainingResult
{
    /// <summary>One entry per finished epoch.</summary>
    public required IReadOnlyList<EpochSummary> History { get; init; }

    /// <summary>
    /// One entry per optimizer step this trainer took: the mini-batch loss and the learning rate, for a
    /// per-step learning curve (24 bytes a step). A run resumed from a checkpoint lists only the steps taken since it was loaded.
    /// </summary>
    public IReadOnlyList<StepSummary> StepHistory { get; init; } = [];

    /// <summary>The epoch whose weights the model holds at the end (the best validation epoch with early stopping), from 1.</summary>
    public int BestEpoch { get; init; }

    /// <summary>Whether early stopping ended the run.</summary>
    public bool StoppedEarly { get; init; }

    /// <summary>Whether the step budget or the time limit ended the run.</summary>
    public bool BudgetExhausted { get; init; }

    /// <summary>Optimizer steps in all.</summary>
    public long Steps { get; init; }

    /// <summary>Wall-clock time of the run (of this process's part of it, when resumed).</summary>
    public TimeSpan Elapsed { get; init; }
}

/// <summary>The figures of one epoch.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="TrainLoss">Mean training loss over the epoch's batches.</param>
/// <param name="LearningRate">The learning rate used in the epoch.</param>
/// <param name="Validation">Validation figures, when there is validation data.</param>
public sealed record EpochSummary(int Epoch, double TrainLoss, double LearningRate, EvaluationResult? Validation);
