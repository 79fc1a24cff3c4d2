using Microsoft.ML.Recurrent.AutoML;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// The outcome of a recurrent experiment (like ML.NET AutoML's <c>ExperimentResult</c>): the best model, ready to use and
/// save, and every configuration tried.
/// </summary>
public class RecurrentExperimentResult
{
    internal RecurrentExperimentResult(RecurrentExperimentTask task, RecurrentModelTransformer bestModel, ExperimentResult details)
    {
        Task = task;
        BestModel = bestModel;
        Details = details;
    }

    /// <summary>The task the experiment learned.</summary>
    public RecurrentExperimentTask Task { get; }

    /// <summary>
    /// The best configuration retrained on all the data (training and validation), or without a refit (the text
    /// classifiers' default) the best trial's own model, as an ML.NET transformer that <c>mlContext.Model.Save</c> saves
    /// like any other. A text classifier's experiment without a refit returns the leading trials' models as an ensemble
    /// (<see cref="RecurrentExperimentSettings.EnsembleSize"/>; its <see cref="RecurrentModelTransformer.Members"/>, best first).
    /// </summary>
    public RecurrentModelTransformer BestModel { get; }

    /// <summary>The best trial: its settings and validation figures.</summary>
    public TrialResult BestRun => Details.BestTrial;

    /// <summary>Every configuration tried, best first (at the highest rung of successive halving it reached).</summary>
    public IReadOnlyList<TrialResult> Leaderboard => Details.Leaderboard;

    /// <summary>The metric that ranked the trials (see <see cref="ExperimentResult.HigherIsBetter"/>).</summary>
    public ExperimentMetric Metric => Details.Metric;

    /// <summary>The core experiment's full result: every run, the refit, the time taken.</summary>
    public ExperimentResult Details { get; }

    /// <summary>The leaderboard as a fixed-width text table.</summary>
    /// <param name="maxRows">Rows to show at most. Default 20.</param>
    public string FormatLeaderboard(int maxRows = 20) => Details.FormatLeaderboard(maxRows);
}
