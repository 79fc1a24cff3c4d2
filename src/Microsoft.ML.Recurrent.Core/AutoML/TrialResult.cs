namespace Microsoft.ML.Recurrent.AutoML;

/// <summary>One training run of a <see cref="RecurrentExperiment"/>: one configuration trained at one rung of successive halving.</summary>
public sealed record TrialResult
{
    /// <summary>The configuration's index in sampling order, from 0.</summary>
    public required int TrialId { get; init; }

    /// <summary>The settings trained.</summary>
    public required TrialSettings Settings { get; init; }

    /// <summary>The rung of successive halving, from 0 (the cheapest).</summary>
    public int Rung { get; init; }

    /// <summary>The epoch budget of the rung.</summary>
    public int EpochBudget { get; init; }

    /// <summary>Epochs actually trained (fewer than the budget after early stopping or at the time budget).</summary>
    public int EpochsTrained { get; init; }

    /// <summary>The epoch with the lowest validation loss, whose weights the trial's model holds, from 1; 0 when training failed.</summary>
    public int BestEpoch { get; init; }

    /// <summary>The optimised metric at <see cref="BestEpoch"/>; NaN when training failed.</summary>
    public double Metric { get; init; } = double.NaN;

    /// <summary>Validation loss at <see cref="BestEpoch"/>; NaN when training failed.</summary>
    public double ValidationLoss { get; init; } = double.NaN;

    /// <summary>Validation accuracy at <see cref="BestEpoch"/> (classification, tagging, language model), else NaN.</summary>
    public double ValidationAccuracy { get; init; } = double.NaN;

    /// <summary>Validation RMSE at <see cref="BestEpoch"/> (regression), else NaN.</summary>
    public double ValidationRmse { get; init; } = double.NaN;

    /// <summary>Wall-clock time of this run.</summary>
    public TimeSpan TrainingTime { get; init; }

    /// <summary>Trainable parameters of the model.</summary>
    public long ParameterCount { get; init; }

    /// <summary>Whether early stopping ended the run (training it longer would not change it).</summary>
    public bool StoppedEarly { get; init; }

    /// <summary>Whether the experiment's time budget cut the run short.</summary>
    public bool TimeBudgetExhausted { get; init; }

    /// <summary>Why training failed (for example it diverged), or null when it succeeded.</summary>
    public string? Error { get; init; }

    /// <summary>Whether training succeeded and <see cref="Metric"/> is a number.</summary>
    public bool Succeeded => Error is null;
}
