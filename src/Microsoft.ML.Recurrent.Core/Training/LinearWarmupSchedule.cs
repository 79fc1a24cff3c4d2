namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// Linear warm-up (PyTorch's <c>LinearLR</c> with <c>end_factor = 1</c>), optionally followed by another schedule
/// (PyTorch's <c>SequentialLR([warmup, then], milestones=[warmupEpochs])</c>):
/// <code>
/// epoch &lt; N:  lr = base * (startFactor + (1 - startFactor) * epoch / N)
/// epoch &gt;= N: lr = then(base, epoch - N), or base when there is no following schedule
/// </code>
/// </summary>
public sealed class LinearWarmupSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="startFactor">The factor of the base rate at epoch 0; in (0, 1]. PyTorch's default is 1/3.</param>
    /// <param name="warmupEpochs">N, the epochs to reach the base rate; >= 0 (0 = no warm-up).</param>
    /// <param name="then">The schedule after the warm-up, run with its own epoch counter starting at 0; null for constant.</param>
    public LinearWarmupSchedule(double startFactor, int warmupEpochs, LearningRateSchedule? then = null)
    {
        if (!(startFactor > 0 && startFactor <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(startFactor), startFactor, $"startFactor must be in (0, 1]; got {startFactor}.");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(warmupEpochs);
        StartFactor = startFactor;
        WarmupEpochs = warmupEpochs;
        Then = then;
    }

    /// <summary>The factor of the base rate at epoch 0.</summary>
    public double StartFactor { get; }

    /// <summary>The number of warm-up epochs.</summary>
    public int WarmupEpochs { get; }

    /// <summary>The schedule after the warm-up, or null.</summary>
    public LearningRateSchedule? Then { get; }

    /// <inheritdoc/>
    public override double GetLearningRate(double baseLearningRate, long epoch)
    {
        if (epoch < WarmupEpochs)
        {
            return baseLearningRate * (StartFactor + (1 - StartFactor) * epoch / WarmupEpochs);
        }
        return Then is null ? baseLearningRate : Then.GetLearningRate(baseLearningRate, epoch - WarmupEpochs);
    }
}
