using System.Diagnostics;
using Microsoft.ML.Recurrent.Training;

/// <summary>
/// Warm-up then cosine decay over a time budget rather than a step count (the step rate of a shared machine is unknown in
/// advance): at the share f of the budget elapsed, the rate is <c>base * f / warmup</c> during the warm-up and
/// <c>base * (floor + (1 - floor) * (1 + cos(pi * (f - warmup) / (1 - warmup))) / 2)</c> after it. The clock starts at the
/// first optimizer step; stepped after every batch.
/// </summary>
internal sealed class TimeCosineSchedule(TimeSpan budget, double warmup = 0.03, double floor = 0.02) : LearningRateSchedule
{
    private Stopwatch? _clock;

    public override bool StepsPerBatch => true;

    public override double GetLearningRate(double baseLearningRate, long epoch)
    {
        _clock ??= Stopwatch.StartNew();
        double f = epoch == 0 ? 0 : Math.Min(1, _clock.Elapsed.TotalSeconds / budget.TotalSeconds);
        if (f < warmup)
        {
            return baseLearningRate * Math.Max(0.05, f / warmup);
        }
        double cosine = (1 + Math.Cos(Math.PI * (f - warmup) / (1 - warmup))) / 2;
        return baseLearningRate * (floor + (1 - floor) * cosine);
    }
}
