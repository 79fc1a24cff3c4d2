using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// The backward time loop of a one-direction layer on two threads, overlapped with its input gradient. The first
/// thread to arrive runs the loop (last step first); the other computes dx = dG W_ih for blocks of rows whose gate
/// gradients are final (the rows of the steps already done), and whenever no block is ready it offers itself for the
/// second half of the next step's rows. After the loop both threads finish the remaining blocks. Every dx row and
/// every step row is computed exactly as on one thread (dx is added block by block onto the cleared gradient, as the
/// one GEMM adds it), so the results are bit-identical. Kept by the workspace and reused: a pass allocates nothing.
/// </summary>
internal sealed class LayerBackwardPipeline : LayerStepHandOff, IWorkItem
{
    private RecurrentLayer? _layer;
    private RecurrentWorkspace? _workspace;
    private int _layerIndex;
    private int _rows;
    private int _blocks;        // blocks of dx rows; 0 when no input gradient is wanted
    private int _nextBlock;     // claims, from the last block down
    private int _frontier;      // rows at and above this are final (the loop's steps so far)
    private int _arrivals;
    private int _available;     // 1 while the helper waits for work; taken (set to 0) by one side only
    private volatile bool _loopDone;

    public void Set(RecurrentLayer layer, RecurrentWorkspace workspace, int layerIndex, int rows, bool inputGradient)
    {
        (_layer, _workspace, _layerIndex, _rows) = (layer, workspace, layerIndex, rows);
        _blocks = inputGradient ? (rows + LayerForwardPipeline.BlockRows - 1) / LayerForwardPipeline.BlockRows : 0;
        (_nextBlock, _frontier, _arrivals, _available) = (0, rows, 0, 0);
        _loopDone = false;
        ResetHandOff();
    }

    public void Clear()
    {
        _layer = null;
        _workspace = null;
    }

    public void Invoke(int index)
    {
        try
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
        catch
        {
            MarkFailed();
            throw;
        }
    }

    private void RunLoop()
    {
        var layer = _layer!;
        var layout = _workspace!.Layout;
        try
        {
            for (int t = layout.MaxLength - 1; t >= 0; t--)
            {
                int active = layout.Active[t];
                int chunks = layer.Chunking(active, 2, out int per);
                if (chunks < 2 || Interlocked.CompareExchange(ref _available, 0, 1) != 1)
                {
                    StepRows(t, 0, active);
                }
                else if (!SplitStep(t, per, active))
                {
                    return;
                }
                Volatile.Write(ref _frontier, layout.Offsets[t]);
            }
        }
        finally
        {
            _loopDone = true;
        }
        while (TryInputGradientBlock())
        {
        }
    }

    private void Help()
    {
        // No step large enough to split (the last step has the fewest rows, the first the most) and no dx: nothing to do.
        bool canSplit = _layer!.Chunking(_workspace!.Layout.Active[0], 2, out _) >= 2;
        if (!canSplit && _blocks == 0)
        {
            return;
        }
        int seen = 0;
        while (true)
        {
            if (TryInputGradientBlock())
            {
                continue;
            }
            if (_loopDone)
            {
                if (Failed || Volatile.Read(ref _nextBlock) >= _blocks)
                {
                    return; // all blocks claimed; the loop thread waits for none of ours
                }
                continue;
            }
            if (!canSplit)
            {
                Thread.SpinWait(20); // only blocks to wait for
                continue;
            }
            // Nothing ready: offer a hand until the loop takes it (and posts a half-step) or a block becomes ready.
            Volatile.Write(ref _available, 1);
            var spinner = new SpinWait();
            while (!TryServe(ref seen))
            {
                if ((_loopDone || BlockReady()) && Interlocked.CompareExchange(ref _available, 0, 1) == 1)
                {
                    break; // withdrew the offer before the loop took it
                }
                if (Failed)
                {
                    return;
                }
                spinner.SpinOnce(sleep1Threshold: -1);
            }
        }
    }

    protected override void StepRows(int step, int start, int end) => _layer!.BackwardRows(_workspace!, _layerIndex, 0, step, start, end);

    // The next block to claim, counted from the last, is ready when its rows are all at or above the frontier.
    private bool BlockReady()
    {
        int claim = Volatile.Read(ref _nextBlock);
        return claim < _blocks && (_blocks - 1 - claim) * LayerForwardPipeline.BlockRows >= Volatile.Read(ref _frontier);
    }

    /// <summary>Claims and computes the next ready block of dx rows; false when none is ready now.</summary>
    private bool TryInputGradientBlock()
    {
        while (true)
        {
            int claim = Volatile.Read(ref _nextBlock);
            if (claim >= _blocks)
            {
                return false;
            }
            int block = _blocks - 1 - claim;
            int start = block * LayerForwardPipeline.BlockRows;
            if (start < Volatile.Read(ref _frontier))
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _nextBlock, claim + 1, claim) == claim)
            {
                _layer!.InputGradientRows(_workspace!, _layerIndex, start, Math.Min(_rows, start + LayerForwardPipeline.BlockRows));
                return true;
            }
        }
    }
}
