namespace Microsoft.ML.Recurrent.Training;

/// <summary>PyTorch's <c>StepLR</c>: <c>lr = base * gamma^floor(epoch / stepSize)</c>.</summary>
public sealed class StepLRSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="stepSize">Epochs between decays; at least 1.</param>
    /// <param name="gamma">Multiplicative decay; finite and >= 0. PyTorch's default is 0.1.</param>
    public StepLRSchedule(int stepSize, double gamma = 0.1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepSize, 1);
        OptionChecks.NonNegative(gamma, nameof(gamma));
        StepSize = stepSize;
        Gamma = gamma;
    }

    /// <summary>Epochs between decays.</summary>
    public int StepSize { get; }

    /// <summary>Multiplicative decay applied every <see cref="StepSize"/> epochs.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    public override double GetLearningRate(double baseLearningRate, long epoch) =>
        baseLearningRate * Math.Pow(Gamma, epoch / StepSize);
}
