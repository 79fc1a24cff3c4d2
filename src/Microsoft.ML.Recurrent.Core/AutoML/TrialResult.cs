namespace Microsoft.ML.Recurrent.AutoML;

/// <summary>
/// One training run of a <see cref="RecurrentExperiment"/>: one configuration trained at one rung of successive halving.
/// Under k-fold cross-validation the run trains one model per fold; the validation figures are then means over the
/// folds, and <see cref="Folds"/> holds each fold's own.
/// </summary>
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

    /// <summary>
    /// Epochs actually trained (fewer than the budget after early stopping or at the time budget); under k-fold, the
    /// most any fold trained.
    /// </summary>
    public int EpochsTrained { get; init; }

    /// <summary>
    /// The epoch with the lowest validation loss, whose weights the trial's model holds, from 1; under k-fold, the mean
    /// of the folds' best epochs rounded half away from zero (the refit's epoch count). 0 when training failed.
    /// </summary>
    public int BestEpoch { get; init; }

    /// <summary>The optimised metric at <see cref="BestEpoch"/> (under k-fold, the mean over folds); NaN when training failed.</summary>
    public double Metric { get; init; } = double.NaN;

    /// <summary>Validation loss at <see cref="BestEpoch"/> (under k-fold, the mean over folds); NaN when training failed.</summary>
    public double ValidationLoss { get; init; } = double.NaN;

    /// <summary>Validation accuracy at <see cref="BestEpoch"/> (classification, tagging, language model; under k-fold, the mean over folds), else NaN.</summary>
    public double ValidationAccuracy { get; init; } = double.NaN;

    /// <summary>Validation RMSE at <see cref="BestEpoch"/> (regression; under k-fold, the mean over folds), else NaN.</summary>
    public double ValidationRmse { get; init; } = double.NaN;

    /// <summary>
    /// Each fold's figures under k-fold cross-validation, in fold order; empty with a hold-out split. A run cut by the
    /// time budget lists the folds it trained (the last one cut short), and its figures are means over those.
    /// </summary>
    public IReadOnlyList<FoldResult> Folds { get; init; } = [];

    /// <summary>The sample standard deviation (n − 1) of the folds' <see cref="FoldResult.Metric"/>; NaN with fewer than two folds.</summary>
    public double MetricStandardDeviation
    {
        get
        {
            if (Folds.Count < 2)
            {
                return double.NaN;
            }
            double mean = Folds.Average(f => f.Metric);
            return Math.Sqrt(Folds.Sum(f => (f.Metric - mean) * (f.Metric - mean)) / (Folds.Count - 1));
        }
    }

    /// <summary>Wall-clock time of this run (under k-fold, of all its folds).</summary>
    public TimeSpan TrainingTime { get; init; }

    /// <summary>
    /// When the run finished, measured from the start of the experiment (so it started at about this minus
    /// <see cref="TrainingTime"/>); for plotting the search over time.
    /// </summary>
    public TimeSpan FinishedAfter { get; init; }

    /// <summary>Trainable parameters of the model.</summary>
    public long ParameterCount { get; init; }

    /// <summary>Whether early stopping ended the run (in every fold, under k-fold): training it longer would not change it.</summary>
    public bool StoppedEarly { get; init; }

    /// <summary>Whether the experiment's time budget cut the run short (or left folds untrained).</summary>
    public bool TimeBudgetExhausted { get; init; }

    /// <summary>
    /// The temperature folded into this trial's classifier head (<see cref="Training.TemperatureScaling"/>), fitted on its
    /// held-out rows (the geometric mean over folds); a refit of this trial takes it too. 1 when not calibrated (other
    /// tasks, token streams, <see cref="RecurrentExperimentOptions.CalibrateProbabilities"/> off, or nothing to gain).
    /// </summary>
    public double Temperature { get; init; } = 1;

    /// <summary>Why training failed (for example it diverged), or null when it succeeded.</summary>
    public string? Error { get; init; }

    /// <summary>Whether training succeeded and <see cref="Metric"/> is a number.</summary>
    public bool Succeeded => Error is null;
}
