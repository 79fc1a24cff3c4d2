using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// The forward pass of one direction of a layer with its input projection done in blocks of rows as the time loop
/// needs them, instead of in one GEMM before it. With two threads on a one-direction layer (<see cref="Invoke"/>) the
/// first thread to arrive runs the time loop; the other projects the input of the steps ahead of it (the loop
/// projects a block itself when it catches up), then takes the second half of each step's rows until the loop ends:
/// no pool run per step. Alone (<see cref="RunAlone"/>, each direction of a bidirectional layer on its own thread)
/// the loop projects each block just before its steps, so the rows it reads are still in its cache. Every projected
/// row and every step row is computed exactly as on one thread, so the results are bit-identical.
/// Kept by the workspace and reused, so a pass allocates nothing once its buffers exist.
/// </summary>
internal sealed class LayerForwardPipeline : LayerStepHandOff, IWorkItem
{
    /// <summary>Rows of one projection block: one A block of the GEMM.</summary>
    internal const int BlockRows = 128;

    private RecurrentLayer? _layer;
    private RecurrentWorkspace? _workspace;
    private int _layerIndex;
    private int _direction;
    private int _rows;
    private int _blocks;
    private int[] _blockDone = [];
    private int _nextBlock;
    private int _arrivals;
    private int _helping;
    private volatile bool _finished;

    public void Set(RecurrentLayer layer, RecurrentWorkspace workspace, int layerIndex, int direction, int rows)
    {
        (_layer, _workspace, _layerIndex, _direction, _rows) = (layer, workspace, layerIndex, direction, rows);
        _blocks = (rows + BlockRows - 1) / BlockRows;
        if (_blockDone.Length < _blocks)
        {
            _blockDone = new int[_blocks];
        }
        Array.Clear(_blockDone, 0, _blocks);
        (_nextBlock, _arrivals, _helping) = (0, 0, 0);
        _finished = false;
        ResetHandOff();
    }

    public void Clear()
    {
        _layer = null;
        _workspace = null;
    }

    public void Invoke(int index)
    {
        if (Interlocked.Increment(ref _arrivals) == 1)
        {
            RunLoop();
        }
        else
        {
            Help();
        }
    }

    /// <summary>The time loop on the calling thread alone, projecting each block of rows when its first step needs it.</summary>
    public void RunAlone() => RunLoop();

    private void RunLoop()
    {
        var layer = _layer!;
        var layout = _workspace!.Layout;
        int steps = layout.MaxLength;
        try
        {
            for (int s = 0; s < steps; s++)
            {
                // Direction 1 runs in reverse time (see RecurrentLayer.RunSteps); its blocks are claimed from the end.
                int t = _direction == 0 ? s : steps - 1 - s;
                int active = layout.Active[t], r0 = layout.Offsets[t];
                if (!Projected(r0, r0 + active))
                {
                    return; // the helper failed: the pool rethrows its exception
                }
                int per = active;
                int chunks = Volatile.Read(ref _helping) == 1 ? layer.Chunking(active, 2, out per) : 1;
                if (chunks < 2)
                {
                    StepRows(t, 0, active);
                    continue;
                }
                if (!SplitStep(t, per, active))
                {
                    return;
                }
            }
        }
        finally
        {
            _finished = true;
        }
    }

    private void Help()
    {
        try
        {
            int block;
            while (!_finished && (block = Interlocked.Increment(ref _nextBlock) - 1) < _blocks)
            {
                Project(Claimed(block));
            }
            var layout = _workspace!.Layout;
            if (_layer!.Chunking(layout.Active[0], 2, out _) < 2)
            {
                return; // no step is large enough to split (the first has the most rows): nothing left to help with
            }
            Volatile.Write(ref _helping, 1);
            int seen = 0;
            var spinner = new SpinWait();
            while (!_finished)
            {
                if (TryServe(ref seen))
                {
                    spinner.Reset();
                }
                else
                {
                    spinner.SpinOnce(sleep1Threshold: -1);
                }
            }
        }
        catch
        {
            MarkFailed();
            throw;
        }
    }

    protected override void StepRows(int step, int start, int end) => _layer!.ForwardRows(_workspace!, _layerIndex, _direction, step, start, end);

    /// <summary>The block of the claim-th claim: in row order for direction 0, from the last block for direction 1.</summary>
    private int Claimed(int claim) => _direction == 0 ? claim : _blocks - 1 - claim;

    /// <summary>Waits until rows [start, end) are projected, projecting unclaimed blocks itself; false if the helper failed.</summary>
    private bool Projected(int start, int end)
    {
        for (int block = start / BlockRows; block <= (end - 1) / BlockRows; block++)
        {
            var spinner = new SpinWait();
            while (Volatile.Read(ref _blockDone[block]) == 0)
            {
                int claimed = Interlocked.Increment(ref _nextBlock) - 1;
                if (claimed < _blocks)
                {
                    Project(Claimed(claimed));
                }
                else if (Failed)
                {
                    return false;
                }
                else
                {
                    spinner.SpinOnce(sleep1Threshold: -1);
                }
            }
        }
        return true;
    }

    private void Project(int block)
    {
        int start = block * BlockRows;
        _layer!.ProjectRows(_workspace!, _layerIndex, _direction, start, Math.Min(_rows, start + BlockRows));
        Volatile.Write(ref _blockDone[block], 1);
    }
}
