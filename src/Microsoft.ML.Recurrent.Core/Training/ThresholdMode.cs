namespace Microsoft.ML.Recurrent.Training;

/// <summary>How <see cref="ReduceLROnPlateau"/> decides that a metric improved on the best value.</summary>
public enum ThresholdMode
{
    /// <summary>
    /// Relative: min mode needs <c>metric &lt; best (1 - threshold)</c>, max mode <c>metric &gt; best (1 + threshold)</c>.
    /// PyTorch <c>threshold_mode='rel'</c>.
    /// </summary>
    Relative = 0,

    /// <summary>
    /// Absolute: min mode needs <c>metric &lt; best - threshold</c>, max mode <c>metric &gt; best + threshold</c>.
    /// PyTorch <c>threshold_mode='abs'</c>.
    /// </summary>
    Absolute = 1,
}
