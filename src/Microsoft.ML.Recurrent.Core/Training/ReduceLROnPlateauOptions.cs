namespace Microsoft.ML.Recurrent.Training;

/// <summary>Options of <see cref="ReduceLROnPlateau"/>; the defaults are PyTorch's.</summary>
public sealed class ReduceLROnPlateauOptions
{
    /// <summary>Whether the metric should fall (<see cref="PlateauMode.Min"/>, default) or rise.</summary>
    public PlateauMode Mode { get; set; } = PlateauMode.Min;

    /// <summary>The learning rate is multiplied by this on a plateau. Default 0.1. Allowed: [0, 1).</summary>
    public double Factor { get; set; } = 0.1;

    /// <summary>Epochs without improvement tolerated; the rate drops on the next one. Default 10. Allowed: >= 0.</summary>
    public int Patience { get; set; } = 10;

    /// <summary>The least improvement that counts (see <see cref="ThresholdMode"/>). Default 1e-4. Allowed: >= 0 and a finite 32-bit float (at most 3.4e38).</summary>
    public double Threshold { get; set; } = 1e-4;

    /// <summary>Relative (default) or absolute threshold.</summary>
    public ThresholdMode ThresholdMode { get; set; } = ThresholdMode.Relative;

    /// <summary>Epochs after a reduction during which bad epochs are not counted. Default 0. Allowed: >= 0.</summary>
    public int Cooldown { get; set; }

    /// <summary>The learning rate never drops below this. Default 0. Allowed: >= 0 and a finite 32-bit float (at most 3.4e38).</summary>
    public double MinLearningRate { get; set; }

    /// <summary>Reductions smaller than this are skipped. Default 1e-8. Allowed: >= 0 and a finite 32-bit float (at most 3.4e38).</summary>
    public double Epsilon { get; set; } = 1e-8;

    internal void Validate()
    {
        OptionChecks.UnitInterval(Factor, nameof(Factor));
        ArgumentOutOfRangeException.ThrowIfNegative(Patience, nameof(Patience));
        OptionChecks.NonNegative(Threshold, nameof(Threshold));
        ArgumentOutOfRangeException.ThrowIfNegative(Cooldown, nameof(Cooldown));
        OptionChecks.NonNegative(MinLearningRate, nameof(MinLearningRate));
        OptionChecks.NonNegative(Epsilon, nameof(Epsilon));
        if (!Enum.IsDefined(Mode))
        {
            throw new ArgumentOutOfRangeException(nameof(Mode), Mode, "Mode must be Min or Max.");
        }
        if (!Enum.IsDefined(ThresholdMode))
        {
            throw new ArgumentOutOfRangeException(nameof(ThresholdMode), ThresholdMode, "ThresholdMode must be Relative or Absolute.");
        }
    }
}
