using System.Diagnostics;
using Microsoft.ML.Recurrent.Training;

/// <summary>
/// A learning rate that spends a time budget: a linear warm-up over the first <c>warmup</c> share of the time, then a
/// cosine from the base rate down to zero at the time limit (the last steps of a timed run are its most careful ones).
/// It reads a clock, so unlike the library's schedules it is not a function of the step alone: a run is not repeatable
/// step for step, only in its budget.
/// </summary>
internal sealed class TimeBudgetSchedule(TimeSpan limit, double warmup = 0.02) : LearningRateSchedule
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public override bool StepsPerBatch => true;

    public override double GetLearningRate(double baseLearningRate, long epoch)
    {
        double t = Math.Clamp(_clock.Elapsed / limit, 0, 1);
        return t < warmup
            ? baseLearningRate * Math.Max(0.05, t / warmup)
            : baseLearningRate * 0.5 * (1 + Math.Cos(Math.PI * (t - warmup) / (1 - warmup)));
    }
}
