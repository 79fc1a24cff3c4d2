namespace Microsoft.ML.Recurrent;

/// <summary>
/// Process-wide settings of the compute engine. Results never depend on them: every kernel is
/// bit-identical whatever the thread count.
/// </summary>
public static class ComputeSettings
{
    private static int _maxThreads = Environment.ProcessorCount;

    /// <summary>
    /// The largest number of threads one engine operation may use. Default: <see cref="Environment.ProcessorCount"/>.
    /// Allowed: 1 to 256.
    /// </summary>
    public static int MaxThreads
    {
        get => Volatile.Read(ref _maxThreads);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(MaxThreads));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 256, nameof(MaxThreads));
            Volatile.Write(ref _maxThreads, value);
        }
    }
}
