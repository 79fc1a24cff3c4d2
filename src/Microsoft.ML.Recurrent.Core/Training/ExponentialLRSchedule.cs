namespace Microsoft.ML.Recurrent.Training;

/// <summary>PyTorch's <c>ExponentialLR</c>: <c>lr = base * gamma^epoch</c>.</summary>
public sealed class ExponentialLRSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="gamma">Multiplicative decay per epoch; finite and >= 0.</param>
    public ExponentialLRSchedule(double gamma)
    {
        OptionChecks.NonNegative(gamma, nameof(gamma));
        Gamma = gamma;
    }

    /// <summary>Multiplicative decay per epoch.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    public override double GetLearningRate(double baseLearningRate, long epoch) =>
        baseLearningRate * Math.Pow(Gamma, epoch);
}
