namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// ULMFiT's slanted triangular learning rate (Howard and Ruder 2018, eq. 3), counted in optimizer steps: a short
/// linear rise from <c>base / ratio</c> to <c>base</c> over the first <c>cutFraction</c> of <c>T</c> steps, then a
/// long linear decay back to <c>base / ratio</c> at step <c>T</c>:
/// <c>cut = max(1, floor(T cutFraction))</c>; <c>p = t / cut</c> for <c>t &lt; cut</c>, else
/// <c>1 - (t - cut) / (cut (1 / cutFraction - 1))</c>; <c>lr = base (1 + p (ratio - 1)) / ratio</c>.
/// Once p reaches 0 (at step <c>cut / cutFraction</c>, which the floor can put a few steps before <c>T</c>) the rate stays at
/// <c>base / ratio</c>: p is held at 0, never below.
/// </summary>
public sealed class SlantedTriangularLRSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="totalSteps">T: optimizer steps of the whole run (epochs × batches per epoch); at least 1.</param>
    /// <param name="cutFraction">Share of the steps spent rising; in (0, 1). Default 0.1 (ULMFiT's).</param>
    /// <param name="ratio">How much smaller the lowest rate is than the base rate; at least 1. Default 32 (ULMFiT's).</param>
    public SlantedTriangularLRSchedule(long totalSteps, double cutFraction = 0.1, double ratio = 32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1L);
        if (!(cutFraction > 0 && cutFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(cutFraction), cutFraction, "cutFraction must be in (0, 1).");
        }
        if (!(ratio >= 1 && double.IsFinite(ratio)))
        {
            throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "ratio must be a finite number of at least 1.");
        }
        TotalSteps = totalSteps;
        CutFraction = cutFraction;
        Ratio = ratio;
    }

    /// <summary>T: optimizer steps of the whole run.</summary>
    public long TotalSteps { get; }

    /// <summary>Share of the steps spent rising.</summary>
    public double CutFraction { get; }

    /// <summary>How much smaller the lowest rate is than the base rate.</summary>
    public double Ratio { get; }

    /// <summary>True: the schedule counts optimizer steps, so <see cref="SequenceTrainer"/> steps it after every batch.</summary>
    public override bool StepsPerBatch => true;

    /// <inheritdoc/>
    public override double GetLearningRate(double baseLearningRate, long epoch)
    {
        double cut = Math.Max(1, Math.Floor(TotalSteps * CutFraction));
        double p = epoch < cut ? epoch / cut : 1 - (epoch - cut) / (cut * (1 / CutFraction - 1));
        return baseLearningRate * (1 + Math.Max(0, p) * (Ratio - 1)) / Ratio;
    }
}
