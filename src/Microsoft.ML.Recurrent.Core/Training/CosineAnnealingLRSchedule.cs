namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// PyTorch's <c>CosineAnnealingLR</c> in its closed form:
/// <c>lr = etaMin + (base - etaMin) (1 + cos(pi epoch / tMax)) / 2</c>. After <c>tMax</c> epochs the rate
/// rises again along the same cosine (the closed form is periodic with period <c>2 tMax</c>).
/// </summary>
public sealed class CosineAnnealingLRSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="maxEpochs">PyTorch's <c>T_max</c>: epochs from the base rate down to <paramref name="minLearningRate"/>; at least 1.</param>
    /// <param name="minLearningRate">PyTorch's <c>eta_min</c>; finite and >= 0. Default 0.</param>
    public CosineAnnealingLRSchedule(int maxEpochs, double minLearningRate = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEpochs, 1);
        OptionChecks.NonNegative(minLearningRate, nameof(minLearningRate));
        MaxEpochs = maxEpochs;
        MinLearningRate = minLearningRate;
    }

    /// <summary>PyTorch's <c>T_max</c>.</summary>
    public int MaxEpochs { get; }

    /// <summary>PyTorch's <c>eta_min</c>.</summary>
    public double MinLearningRate { get; }

    /// <inheritdoc/>
    public override double GetLearningRate(double baseLearningRate, long epoch) =>
        MinLearningRate + (baseLearningRate - MinLearningRate) * (1 + Math.Cos(Math.PI * epoch / MaxEpochs)) / 2;
}
