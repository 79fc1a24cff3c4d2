using Microsoft.ML.Recurrent.AutoML;

namespace Microsoft.ML.Recurrent.Plotting;

/// <summary>
/// The series of a model search's picture, taken from an <see cref="ExperimentResult"/>: every run's metric against the
/// time it finished, by rung of successive halving. What <see cref="TrainingPlots"/> draws.
/// </summary>
public sealed class ExperimentTimeline
{
    private ExperimentTimeline()
    {
    }

    /// <summary>The metric's name, with the direction that is better (e.g. "Accuracy (higher is better)").</summary>
    public required string MetricName { get; init; }

    /// <summary>Whether a higher metric is better.</summary>
    public bool HigherIsBetter { get; init; }

    /// <summary>Every run in scheduling order (<see cref="ExperimentResult.Runs"/>), failed ones included.</summary>
    public required IReadOnlyList<TimelinePoint> Runs { get; init; }

    /// <summary>The rungs reached, from 0: one series each.</summary>
    public int RungCount { get; init; }

    /// <summary>The winning trial (<see cref="ExperimentResult.BestTrial"/>).</summary>
    public int BestTrialId { get; init; }

    /// <summary>The best metric so far after each successful run in order of finishing: (seconds, metric) steps.</summary>
    public required IReadOnlyList<TimelinePoint> BestSoFar { get; init; }

    /// <summary>Takes the series out of an experiment result.</summary>
    /// <param name="result">The experiment's result.</param>
    public static ExperimentTimeline From(ExperimentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var runs = result.Runs.Select(r => new TimelinePoint(r.TrialId, r.Rung, r.EpochBudget, r.FinishedAfter.TotalSeconds, r.Metric, r.Succeeded)).ToArray();
        var best = new List<TimelinePoint>();
        foreach (var run in runs.Where(r => r.Succeeded && double.IsFinite(r.Metric)).OrderBy(r => r.Seconds))
        {
            if (best.Count == 0 || (result.HigherIsBetter ? run.Metric > best[^1].Metric : run.Metric < best[^1].Metric))
            {
                best.Add(run);
            }
        }
        return new ExperimentTimeline
        {
            MetricName = $"{result.Metric} ({(result.HigherIsBetter ? "higher" : "lower")} is better)",
            HigherIsBetter = result.HigherIsBetter,
            Runs = runs,
            RungCount = runs.Length == 0 ? 0 : runs.Max(r => r.Rung) + 1,
            BestTrialId = result.BestTrial.TrialId,
            BestSoFar = best,
        };
    }
}
