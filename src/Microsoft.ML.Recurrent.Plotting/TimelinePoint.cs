namespace Microsoft.ML.Recurrent.Plotting;

/// <summary>One run of a model search on its timeline.</summary>
/// <param name="TrialId">The configuration, from 0.</param>
/// <param name="Rung">The rung of successive halving, from 0.</param>
/// <param name="EpochBudget">The rung's epoch budget.</param>
/// <param name="Seconds">When the run finished, in seconds from the start of the experiment.</param>
/// <param name="Metric">The run's metric at its best epoch; NaN when it failed.</param>
/// <param name="Succeeded">Whether the run trained successfully.</param>
public sealed record TimelinePoint(int TrialId, int Rung, int EpochBudget, double Seconds, double Metric, bool Succeeded);
