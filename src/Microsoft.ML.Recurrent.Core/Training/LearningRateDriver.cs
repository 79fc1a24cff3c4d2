namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// Drives a <see cref="LearningRateSchedule"/>: remembers the optimizer's learning rate at creation as the base
/// rate, sets the epoch-0 rate at once (as PyTorch's schedulers do in their constructor) and, at every
/// <see cref="Step"/>, advances the epoch and sets <see cref="Optimizer.LearningRate"/> to the schedule's value.
/// </summary>
/// <remarks>
/// Training loop: <c>optimizer.Step(...)</c> for every batch, then <c>scheduler.Step()</c> once per epoch (or once
/// per batch for per-step schedules such as warm-up). Checkpoint <see cref="ExportState"/> together with
/// <see cref="Optimizer.ExportState"/>; on resume build both from the same options and import both.
/// </remarks>
public sealed class LearningRateDriver
{
    // The name in SchedulerState, kept from the type's first name so that saved checkpoints still resume.
    private const string StateName = "LearningRateScheduler";
    private const string BaseKey = "base_lr";

    /// <summary>Binds <paramref name="schedule"/> to <paramref name="optimizer"/> and sets the epoch-0 learning rate.</summary>
    /// <param name="optimizer">The optimizer whose learning rate is driven.</param>
    /// <param name="schedule">The schedule.</param>
    public LearningRateDriver(Optimizer optimizer, LearningRateSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(schedule);
        Optimizer = optimizer;
        Schedule = schedule;
        BaseLearningRate = optimizer.LearningRate;
        Apply();
    }

    /// <summary>The optimizer whose learning rate is driven.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The schedule.</summary>
    public LearningRateSchedule Schedule { get; }

    /// <summary>The optimizer's learning rate when this scheduler was created (PyTorch's <c>initial_lr</c>).</summary>
    public double BaseLearningRate { get; private set; }

    /// <summary>The number of <see cref="Step"/> calls so far (PyTorch's <c>last_epoch</c>).</summary>
    public long Epoch { get; private set; }

    /// <summary>Advances the epoch by one and sets the optimizer's learning rate for it.</summary>
    /// <returns>The new learning rate.</returns>
    public double Step()
    {
        Epoch++;
        return Apply();
    }

    /// <summary>Copies the epoch and the base learning rate.</summary>
    /// <returns>A new snapshot.</returns>
    public SchedulerState ExportState() =>
        new(StateName, Epoch, new Dictionary<string, double> { [BaseKey] = BaseLearningRate });

    /// <summary>Restores a snapshot and sets the optimizer's learning rate for the restored epoch.</summary>
    /// <param name="state">A snapshot from <see cref="ExportState"/>.</param>
    public void ImportState(SchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (StateProblem(state) is { } problem)
        {
            throw new ArgumentException(problem, nameof(state));
        }
        BaseLearningRate = state.Values[BaseKey];
        Epoch = state.Epoch;
        Apply();
    }

    /// <summary>Why <paramref name="state"/> cannot be imported, or null when <see cref="ImportState"/> will succeed.</summary>
    internal string? StateProblem(SchedulerState state)
    {
        if (state.SchedulerName != StateName)
        {
            return $"The state is for '{state.SchedulerName}', not {StateName}.";
        }
        if (!state.Values.TryGetValue(BaseKey, out double baseRate))
        {
            return $"The scheduler state has no value '{BaseKey}'.";
        }
        double rate = Schedule.GetLearningRate(baseRate, state.Epoch);
        if (!(baseRate >= 0 && baseRate <= float.MaxValue && rate >= 0 && rate <= float.MaxValue))
        {
            return $"The scheduler state's base learning rate {baseRate} at epoch {state.Epoch} gives a learning rate of {rate}; allowed: >= 0 and at most {float.MaxValue}.";
        }
        return null;
    }

    private double Apply()
    {
        double rate = Schedule.GetLearningRate(BaseLearningRate, Epoch);
        Optimizer.LearningRate = rate;
        return rate;
    }
}
