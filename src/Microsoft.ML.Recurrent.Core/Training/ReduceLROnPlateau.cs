namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// PyTorch's <c>ReduceLROnPlateau</c>: call <see cref="Step"/> with a validation metric once per epoch; after more
/// than <c>Patience</c> epochs without improvement the optimizer's learning rate becomes
/// <c>max(lr * Factor, MinLearningRate)</c> (skipped if that changes it by no more than <c>Epsilon</c>), and
/// <c>Cooldown</c> epochs follow in which bad epochs are not counted.
/// </summary>
/// <remarks>
/// A NaN metric never counts as an improvement. Checkpoint <see cref="ExportState"/> with the optimizer's state
/// (which holds the current learning rate).
/// </remarks>
public sealed class ReduceLROnPlateau
{
    private readonly ReduceLROnPlateauOptions _options;

    /// <summary>Creates the scheduler for <paramref name="optimizer"/>.</summary>
    /// <param name="optimizer">The optimizer whose learning rate is reduced.</param>
    /// <param name="options">The options; null for PyTorch's defaults. They are copied.</param>
    public ReduceLROnPlateau(Optimizer optimizer, ReduceLROnPlateauOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        options ??= new ReduceLROnPlateauOptions();
        options.Validate();
        _options = new ReduceLROnPlateauOptions
        {
            Mode = options.Mode, Factor = options.Factor, Patience = options.Patience, Threshold = options.Threshold,
            ThresholdMode = options.ThresholdMode, Cooldown = options.Cooldown, MinLearningRate = options.MinLearningRate,
            Epsilon = options.Epsilon,
        };
        Optimizer = optimizer;
        Best = WorstValue;
    }

    /// <summary>The optimizer whose learning rate is reduced.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The best metric so far (+infinity in min mode, -infinity in max mode before the first step).</summary>
    public double Best { get; private set; }

    /// <summary>Consecutive epochs without improvement (PyTorch's <c>num_bad_epochs</c>).</summary>
    public int BadEpochs { get; private set; }

    /// <summary>Cooldown epochs left (PyTorch's <c>cooldown_counter</c>).</summary>
    public int CooldownCounter { get; private set; }

    /// <summary>The number of <see cref="Step"/> calls so far (PyTorch's <c>last_epoch</c>).</summary>
    public long Epoch { get; private set; }

    private double WorstValue => _options.Mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity;

    /// <summary>Records one epoch's metric and reduces the learning rate on a plateau.</summary>
    /// <param name="metric">The validation metric of this epoch.</param>
    /// <returns>True when the learning rate was reduced at this step.</returns>
    public bool Step(double metric)
    {
        Epoch++;
        if (IsBetter(metric))
        {
            Best = metric;
            BadEpochs = 0;
        }
        else
        {
            BadEpochs++;
        }
        if (CooldownCounter > 0)
        {
            CooldownCounter--;
            BadEpochs = 0;
        }
        if (BadEpochs > _options.Patience)
        {
            bool reduced = ReduceLearningRate();
            CooldownCounter = _options.Cooldown;
            BadEpochs = 0;
            return reduced;
        }
        return false;
    }

    /// <summary>Copies the counters and the best value.</summary>
    /// <returns>A new snapshot.</returns>
    public SchedulerState ExportState() => new(nameof(ReduceLROnPlateau), Epoch, new Dictionary<string, double>
    {
        ["best"] = Best,
        ["num_bad_epochs"] = BadEpochs,
        ["cooldown_counter"] = CooldownCounter,
    });

    /// <summary>Restores a snapshot from <see cref="ExportState"/>.</summary>
    /// <param name="state">The snapshot.</param>
    public void ImportState(SchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (StateProblem(state) is { } problem)
        {
            throw new ArgumentException(problem, nameof(state));
        }
        Best = state.Values["best"];
        BadEpochs = (int)state.Values["num_bad_epochs"];
        CooldownCounter = (int)state.Values["cooldown_counter"];
        Epoch = state.Epoch;
    }

    /// <summary>Why <paramref name="state"/> cannot be imported, or null when <see cref="ImportState"/> will succeed.</summary>
    internal static string? StateProblem(SchedulerState state)
    {
        if (state.SchedulerName != nameof(ReduceLROnPlateau))
        {
            return $"The state is for '{state.SchedulerName}', not {nameof(ReduceLROnPlateau)}.";
        }
        foreach (string key in (ReadOnlySpan<string>)["best", "num_bad_epochs", "cooldown_counter"])
        {
            if (!state.Values.ContainsKey(key))
            {
                return $"The scheduler state has no value '{key}'.";
            }
        }
        double bad = state.Values["num_bad_epochs"], cooldown = state.Values["cooldown_counter"];
        if (!(bad >= 0 && bad <= int.MaxValue && cooldown >= 0 && cooldown <= int.MaxValue))
        {
            return $"Corrupt scheduler state: num_bad_epochs {bad}, cooldown_counter {cooldown}.";
        }
        return null;
    }

    private bool IsBetter(double metric)
    {
        double threshold = _options.Threshold;
        return (_options.Mode, _options.ThresholdMode) switch
        {
            (PlateauMode.Min, ThresholdMode.Relative) => metric < Best * (1 - threshold),
            (PlateauMode.Min, ThresholdMode.Absolute) => metric < Best - threshold,
            (PlateauMode.Max, ThresholdMode.Relative) => metric > Best * (threshold + 1),
            _ => metric > Best + threshold,
        };
    }

    private bool ReduceLearningRate()
    {
        double oldRate = Optimizer.LearningRate;
        double newRate = Math.Max(oldRate * _options.Factor, _options.MinLearningRate);
        if (oldRate - newRate > _options.Epsilon)
        {
            Optimizer.LearningRate = newRate;
            return true;
        }
        return false;
    }
}
