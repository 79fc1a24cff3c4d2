namespace Microsoft.ML.Recurrent.Engine.Scheduling;

/// <summary>
/// Runs the time loops of one layer's pass as pool items, one per direction and slice of ranks (<see cref="SlicePlan"/>):
/// each runs its direction's whole loop over its own ranks (<see cref="RunLoop"/>), so a pass costs one synchronisation,
/// not one per step. A thread whose loop is done takes the second half of the remaining ranks of the loop with the most
/// work left (<see cref="TimeLoop"/>), so a core that is slower or busy does not hold the pass up. A rank's recurrence
/// reads and writes only that rank's rows, and the directions share no buffer that either writes, so the results do not
/// depend on the slicing, on the steals or on which thread runs which loop. Kept by the workspace and reused, so a pass
/// allocates nothing.
/// </summary>
internal sealed partial class TimeLoopScheduler : IWorkItem
{
    private ITimeLoopBody? _body;
    private RankLengths _ranks;
    private SchedulingOptions _options = SchedulingOptions.Default;
    private long _rowWork;
    private int _loops;
    private bool _backward;
    private bool _projectInBlocks;
    private TimeLoop[] _parts = [];
    private int _stealLock;
    private long _steals;

    /// <summary>Steals granted on this scheduler since it was created (tests and diagnostics).</summary>
    public long Steals => Interlocked.Read(ref _steals);

    /// <summary>Pool items of a pass with <paramref name="loops"/> loops: one per loop, plus the test thieves.</summary>
    public static int Items(int loops, SchedulingOptions options) => loops + options.Thieves;

    /// <summary>
    /// Copies of a packed weight to keep for the pool's workers: one per thread beyond the first that may multiply by it
    /// (any thread running a loop may take over ranks of any direction), so that no two cores read one copy every step.
    /// </summary>
    public static int WeightReplicas(int loops, SchedulingOptions options) =>
        options.CallingThreadOnly ? 0 : Math.Min(ComputeSettings.MaxThreads, Items(loops, options)) - 1;

    /// <summary>
    /// Runs the loops of every direction and slice: on the pool when there are two or more items and threads, else one
    /// after the other on the calling thread.
    /// </summary>
    /// <param name="body">Computes the rows of a step.</param>
    /// <param name="ranks">The batch's lengths by rank.</param>
    /// <param name="slices">The slices of ranks, the same for every direction.</param>
    /// <param name="directions">Directions of the layer.</param>
    /// <param name="rowWork">Multiply-adds of one row's recurrent product (G*H*H): too little work left is not shared.</param>
    /// <param name="backward">Whether the loops run backward through time.</param>
    /// <param name="projectInBlocks">Forward only: whether the loops project their input block by block (<see cref="ProjectsInBlocks"/>).</param>
    /// <param name="options">The workspace's scheduling knobs.</param>
    public void Run(ITimeLoopBody body, RankLengths ranks, SlicePlan slices, int directions, long rowWork, bool backward,
        bool projectInBlocks, SchedulingOptions options)
    {
        Set(body, ranks, slices, directions, rowWork, backward, projectInBlocks, options);
        try
        {
            int items = Items(_loops, options);
            if (items > 1 && ComputeSettings.MaxThreads >= 2 && !options.CallingThreadOnly)
            {
                WorkerPool.Run(items, this);
            }
            else
            {
                for (int loop = 0; loop < _loops; loop++)
                {
                    RunLoop(_parts[loop], loop);
                }
            }
        }
        finally
        {
            _body = null;
        }
    }

    // The loops' parts first (index = direction * slices + slice), then the test thieves' (they run only what they take).
    private void Set(ITimeLoopBody body, RankLengths ranks, SlicePlan slices, int directions, long rowWork, bool backward,
        bool projectInBlocks, SchedulingOptions options)
    {
        (_body, _ranks, _rowWork, _backward, _options) = (body, ranks, rowWork, backward, options);
        _projectInBlocks = !backward && projectInBlocks;
        int count = slices.Count;
        _loops = count * directions;
        int items = Items(_loops, options);
        if (_parts.Length < items)
        {
            Array.Resize(ref _parts, items);
            for (int i = 0; i < items; i++)
            {
                _parts[i] ??= new TimeLoop();
            }
        }
        var bounds = slices.Bounds;
        for (int i = 0; i < items; i++)
        {
            if (i < _loops)
            {
                int slice = i % count;
                _parts[i].Prepare(i / count, bounds[slice], bounds[slice + 1], 0);
            }
            else
            {
                _parts[i].Prepare(0, 0, 0, 0);
                _parts[i].Finish();
            }
        }
        _stealLock = 0;
    }

    private ReadOnlySpan<TimeLoop> Parts => _parts.AsSpan(0, Items(_loops, _options));

    /// <summary>Runs loop <paramref name="index"/>, then, with more than one thread, takes over work of the loops still running.</summary>
    public void Invoke(int index)
    {
        var part = _parts[index];
        if (index < _loops)
        {
            RunLoop(part, index);
        }
        if (ComputeSettings.MaxThreads < 2)
        {
            return;
        }
        while (true)
        {
            if (TrySteal(out int direction, out int start, out int end, out int step))
            {
                Interlocked.Increment(ref _steals);
                part.Prepare(direction, start, end, step);
                RunLoop(part, index);
            }
            else if (index < _loops || AllFinished())
            {
                return;
            }
        }
    }

    // Whether every loop of the pass has ended (a test thief keeps asking until then).
    private bool AllFinished()
    {
        foreach (var part in Parts)
        {
            if (!part.IsFinished)
            {
                return false;
            }
        }
        return true;
    }

    // The loop with the most rank-steps left is asked for half of them; false when none is running or it refuses.
    private bool TrySteal(out int direction, out int start, out int end, out int step)
    {
        (direction, start, end, step) = (0, 0, 0, 0);
        int steps = _ranks.Steps;
        var spinner = new BoundedSpin();
        while (Interlocked.CompareExchange(ref _stealLock, 1, 0) != 0)
        {
            spinner.SpinOnce();
        }
        try
        {
            TimeLoop? victim = null;
            long most = 0;
            foreach (var candidate in Parts)
            {
                long left = (long)(candidate.End - candidate.Start) * (steps - candidate.NextStep);
                if (candidate.IsRunning && left > most)
                {
                    (victim, most) = (candidate, left);
                }
            }
            return victim is not null && victim.TryTake(out direction, out start, out end, out step);
        }
        finally
        {
            Volatile.Write(ref _stealLock, 0);
        }
    }
}
