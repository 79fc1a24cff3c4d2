namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// A snapshot of a <see cref="LearningRateDriver"/> or <see cref="ReduceLROnPlateau"/>: the epoch counter and
/// named scalars (for example <c>base_lr</c>, <c>best</c>, <c>num_bad_epochs</c>). Save it with the optimizer
/// state; importing both continues training exactly.
/// </summary>
public sealed class SchedulerState
{
    /// <summary>Creates a snapshot.</summary>
    /// <param name="schedulerName">The scheduler kind, for example <c>"ReduceLROnPlateau"</c>.</param>
    /// <param name="epoch">The epoch counter (PyTorch's <c>last_epoch</c>).</param>
    /// <param name="values">Named scalars of the scheduler.</param>
    public SchedulerState(string schedulerName, long epoch, IReadOnlyDictionary<string, double> values)
    {
        ArgumentNullException.ThrowIfNull(schedulerName);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        SchedulerName = schedulerName;
        Epoch = epoch;
        Values = values;
    }

    /// <summary>The scheduler kind that produced the snapshot.</summary>
    public string SchedulerName { get; }

    /// <summary>The epoch counter (PyTorch's <c>last_epoch</c>).</summary>
    public long Epoch { get; }

    /// <summary>Named scalars of the scheduler.</summary>
    public IReadOnlyDictionary<string, double> Values { get; }
}
