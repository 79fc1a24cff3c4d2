using System.Globalization;
using System.Text;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.AutoML;

/// <summary>What a <see cref="RecurrentExperiment"/> found: the leaderboard, every run, and the best model ready to use.</summary>
public sealed record ExperimentResult
{
    /// <summary>The metric that ranks the trials.</summary>
    public required ExperimentMetric Metric { get; init; }

    /// <summary>Whether a higher <see cref="Metric"/> is better (accuracy), else lower is (loss, RMSE).</summary>
    public bool HigherIsBetter => Metric == ExperimentMetric.Accuracy;

    /// <summary>
    /// One entry per configuration trained, its run at the highest rung it reached, best first: by metric, then by lower
    /// validation loss, then by trial id; failed trials last. Under k-fold, a trial the time budget stopped before all
    /// its folds ranks after every trial that trained more folds.
    /// </summary>
    public required IReadOnlyList<TrialResult> Leaderboard { get; init; }

    /// <summary>Every training run, in scheduling order: by rung; within rung 0 by trial id, within later rungs by the previous rung's rank.</summary>
    public required IReadOnlyList<TrialResult> Runs { get; init; }

    /// <summary>The winner: the first entry of the <see cref="Leaderboard"/>.</summary>
    public TrialResult BestTrial => Leaderboard[0];

    /// <summary>
    /// The best settings' model: retrained on training + validation data for <see cref="TrialResult.BestEpoch"/> epochs
    /// (see <see cref="Refit"/>), or the best trial's own model when the refit was switched off (under k-fold, its fold
    /// model with the best validation metric). Save it with <see cref="Serialization.RecurrentModelFile"/>.
    /// </summary>
    public required SequenceModel BestModel { get; init; }

    /// <summary>
    /// Without a refit: the leading successful trials' own models (under k-fold, each one's fold model with the best
    /// validation metric), at most <see cref="MaxTrialModels"/>, in leaderboard order, so entry i belongs to
    /// <c>Leaderboard[i]</c> and entry 0 is <see cref="BestModel"/>; the models to average for an ensemble of the leading
    /// configurations. Empty with a refit (the trials' models are not kept).
    /// </summary>
    public IReadOnlyList<SequenceModel> TrialModels { get; init; } = [];

    /// <summary>The most trial models a result keeps (<see cref="TrialModels"/>): the others are released with the search.</summary>
    public const int MaxTrialModels = 16;

    /// <summary>The final refit on all data, or null when <see cref="RecurrentExperimentOptions.RefitOnAllData"/> is false.</summary>
    public TrainingResult? Refit { get; init; }

    /// <summary>Wall-clock time of the whole experiment, refit included.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Whether the time budget ended the search before the trial budget did.</summary>
    public bool TimeBudgetExhausted { get; init; }

    /// <summary>
    /// The validation in effect: 1 for a hold-out split (or the given validation data), k for k-fold cross-validation
    /// (see <see cref="RecurrentExperimentOptions.CrossValidationFolds"/>).
    /// </summary>
    public int CrossValidationFolds { get; init; } = 1;

    /// <summary>
    /// The leaderboard as a fixed-width text table; under k-fold the metric is the mean over folds, followed by the
    /// folds' standard deviation (<see cref="TrialResult.MetricStandardDeviation"/>).
    /// </summary>
    /// <param name="maxRows">Rows to show at most. Default 20.</param>
    public string FormatLeaderboard(int maxRows = 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        var sb = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        bool folds = CrossValidationFolds > 1;
        if (folds)
        {
            sb.Append(c, $"{CrossValidationFolds}-fold cross-validation: metric and loss are fold means, ± the metric's standard deviation over folds; epochs are mean best/most trained/budget\n");
        }
        sb.Append(c, $"{"#",3} {"trial",5} {"rung",4} {"epochs",9} {Metric + (HigherIsBetter ? " ↑" : " ↓"),10}{(folds ? $" {"±",7}" : "")} {"val loss",9} {"params",9} {"time",8}  settings\n");
        for (int i = 0; i < Math.Min(maxRows, Leaderboard.Count); i++)
        {
            var t = Leaderboard[i];
            string epochs = $"{t.BestEpoch}/{t.EpochsTrained}/{t.EpochBudget}";
            string metric = t.Succeeded ? t.Metric.ToString("F4", c) : "failed";
            string spread = !folds ? "" : t.Succeeded && t.Folds.Count > 1 ? string.Create(c, $" {t.MetricStandardDeviation,7:F4}") : $" {"",7}";
            sb.Append(c, $"{i + 1,3} {t.TrialId,5} {t.Rung,4} {epochs,9} {metric,10}{spread} {t.ValidationLoss,9:F4} {t.ParameterCount,9} {t.TrainingTime.TotalSeconds,7:F2}s  {t.Settings}\n");
        }
        if (Leaderboard.Count > maxRows)
        {
            sb.Append(c, $"... {Leaderboard.Count - maxRows} more\n");
        }
        return sb.ToString();
    }
}
