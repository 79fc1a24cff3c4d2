using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// The time loops of a layer as independent work items, one per direction and slice of ranks
/// (<see cref="RecurrentLayer.PlanSlices"/>): each runs its direction's whole loop over its own ranks
/// (<see cref="RecurrentLayer.RunSlice"/>), so a pass costs one synchronisation, not one per step. A thread whose loop
/// is done takes the second half of the remaining ranks of the loop with the most work left (<see cref="LayerSlicePart"/>),
/// so a core that is slower or busy does not hold the pass up. A rank's recurrence reads and writes only that rank's
/// rows, and the directions share no buffer that either writes, so the results do not depend on the slicing, on the
/// steals or on which thread runs which loop. Kept by the workspace and reused, so a pass allocates nothing.
/// </summary>
internal sealed class LayerSliceWork : IWorkItem
{
    private RecurrentLayer? _layer;
    private RecurrentWorkspace? _workspace;
    private int _layerIndex;
    private int _loops;
    private bool _backward;
    private LayerSlicePart[] _parts = [];
    private int _stealLock;

    /// <summary>
    /// Tests only: pool items added to every parallel pass that run no loop of their own and only take over ranks of the
    /// running loops, again and again until every loop is done, so that steals (and steals of stolen ranks) happen.
    /// </summary>
    internal static int ThievesForTests;

    /// <summary>Steals granted since the process started (tests and diagnostics).</summary>
    internal static long Steals;

    /// <summary>Pool items of a pass with this many loops: one per loop, plus <see cref="ThievesForTests"/>.</summary>
    public static int Items(int loops) => loops + ThievesForTests;

    /// <summary>The parts, one per pool item: the loops' first (index = direction * slices + slice), then the thieves' for tests.</summary>
    public ReadOnlySpan<LayerSlicePart> Parts => _parts.AsSpan(0, Items(_loops));

    public void Set(RecurrentLayer layer, RecurrentWorkspace workspace, int layerIndex, int slices, int directions, bool backward)
    {
        (_layer, _workspace, _layerIndex, _loops, _backward) = (layer, workspace, layerIndex, slices * directions, backward);
        int items = Items(_loops);
        if (_parts.Length < items)
        {
            Array.Resize(ref _parts, items);
            for (int i = 0; i < items; i++)
            {
                _parts[i] ??= new LayerSlicePart();
            }
        }
        var bounds = workspace.SliceBounds;
        int batch = workspace.Layout.Batch;
        for (int i = 0; i < items; i++)
        {
            int slice = i % slices;
            if (i < _loops)
            {
                _parts[i].Prepare(i / slices, slices == 1 ? 0 : bounds[slice], slices == 1 ? batch : bounds[slice + 1], 0);
            }
            else
            {
                _parts[i].Prepare(0, 0, 0, 0);
                _parts[i].Finish(); // a thief's part runs only what it takes
            }
        }
        _stealLock = 0;
    }

    public void Clear()
    {
        _layer = null;
        _workspace = null;
    }

    /// <summary>Runs loop <paramref name="index"/>, then, with more than one thread, takes over work of the loops still running.</summary>
    public void Invoke(int index)
    {
        var layer = _layer!;
        var ws = _workspace!;
        var part = _parts[index];
        if (index < _loops)
        {
            layer.RunSlice(ws, _layerIndex, part, index, _backward);
        }
        if (ComputeSettings.MaxThreads < 2)
        {
            return;
        }
        while (true)
        {
            if (TrySteal(out int direction, out int start, out int end, out int step))
            {
                Interlocked.Increment(ref Steals);
                part.Prepare(direction, start, end, step);
                layer.RunSlice(ws, _layerIndex, part, index, _backward);
            }
            else if (index < _loops || AllFinished())
            {
                return;
            }
        }
    }

    // Whether every loop of the pass has ended (a thief for tests keeps asking until then).
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
        int steps = _workspace!.Layout.MaxLength;
        var spinner = new SpinWait();
        while (Interlocked.CompareExchange(ref _stealLock, 1, 0) != 0)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        try
        {
            LayerSlicePart? victim = null;
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
