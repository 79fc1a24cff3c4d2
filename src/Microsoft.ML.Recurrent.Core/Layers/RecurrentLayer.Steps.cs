using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Layers;

// The time loops. A step's rows are independent: each row's recurrent product is a product with W_hh^T
// (forward) or W_hh (backward) packed once per pass, whose result does not depend on how many rows are computed together,
// and its cell arithmetic is per row. So the rows of a step may be cut into chunks that run on different
// threads, and the two directions of a bidirectional layer may run concurrently, with bit-identical results.
public sealed partial class RecurrentLayer
{
    // A chunk holds whole register tiles (8 rows at Vector512) and at least this many multiply-adds,
    // below which waking a worker costs more than it saves.
    private const int ChunkRowMultiple = 8;
    private const long ChunkMinWork = 1L << 16;

    // After a step whose workers were late (descheduled on a busy machine), some steps run on the calling
    // thread alone before the pool is tried again: waiting for a preempted worker costs a whole time slice.
    // The pause doubles with every stall in a row (kept by the workspace across passes) and halves with every
    // step that was not late, so an idle machine never pauses. Results do not depend on it.
    private const int MinStallPause = 8;
    private const int MaxStallPause = 512;

    /// <summary>Updates the stall pause after a parallel step; returns how many steps to run inline next.</summary>
    private static int AfterParallelStep(RecurrentWorkspace ws)
    {
        if (WorkerPool.LastRunStalled)
        {
            ws.StallPause = Math.Clamp(ws.StallPause * 2, MinStallPause, MaxStallPause);
            return ws.StallPause;
        }
        ws.StallPause /= 2;
        return 0;
    }

    /// <summary>How the <paramref name="active"/> rows of a step are cut: the number of chunks and rows per chunk.</summary>
    private int Chunking(int active, bool splitRows, out int rowsPerChunk) =>
        Chunking(active, splitRows ? ComputeSettings.MaxThreads : 1, out rowsPerChunk);

    /// <summary>How the <paramref name="active"/> rows of a step are cut into at most <paramref name="threads"/> chunks.</summary>
    internal int Chunking(int active, int threads, out int rowsPerChunk)
    {
        long rowWork = (long)Options.GateCount * Options.HiddenSize * Options.HiddenSize;
        int byWork = (int)Math.Max(1, Math.Min(int.MaxValue, active * rowWork / ChunkMinWork));
        int chunks = Math.Min(threads, Math.Min(byWork, active / ChunkRowMultiple));
        if (chunks <= 1)
        {
            rowsPerChunk = active;
            return 1;
        }
        rowsPerChunk = (active + chunks - 1) / chunks;
        rowsPerChunk = (rowsPerChunk + ChunkRowMultiple - 1) / ChunkRowMultiple * ChunkRowMultiple;
        return (active + rowsPerChunk - 1) / rowsPerChunk;
    }

    /// <summary>
    /// Copies of the packed W_hh to keep for the pool's workers: one per extra chunk when a step's rows are split over
    /// threads, none when the directions of a bidirectional layer run concurrently (each runs its steps on one thread).
    /// </summary>
    private int HiddenWeightReplicas(int batch) =>
        Options.NumDirections == 2 && ComputeSettings.MaxThreads >= 2 ? 0 : Chunking(batch, splitRows: true, out _) - 1;

    /// <summary>
    /// Whether a pass over <paramref name="rows"/> packed rows (at least two blocks) is pipelined. Forward
    /// (<see cref="LayerForwardPipeline"/>): a one-direction layer on exactly two threads (with more, the one GEMM and the
    /// steps' rows use them all), or a bidirectional one whose directions run concurrently (each projects as its loop
    /// goes). Backward (<see cref="LayerBackwardPipeline"/>): a one-direction layer on exactly two threads.
    /// </summary>
    private bool Pipelined(int rows, bool backward = false) =>
        ForcePipeline ?? (rows >= 2 * LayerForwardPipeline.BlockRows &&
            (Options.NumDirections == 1 ? ComputeSettings.MaxThreads == 2 : !backward && ComputeSettings.MaxThreads >= 2));

    /// <summary>Experiments and tests only: forces the forward and backward pipelines on or off (results are the same either way).</summary>
    internal static bool? ForcePipeline;

    /// <summary>Runs the time loops of every direction of layer k: concurrently when bidirectional and threads allow.</summary>
    private void RunDirections(RecurrentWorkspace ws, int k, bool backward)
    {
        if (!backward && ws.Pipelined)
        {
            for (int d = 0; d < Options.NumDirections; d++)
            {
                ws.Pipeline[d].Set(this, ws, k, d, ws.Layout.TotalRows);
            }
        }
        if (Options.NumDirections == 2 && ComputeSettings.MaxThreads >= 2)
        {
            ws.DirectionWork.Set(this, ws, k, backward);
            WorkerPool.Run(2, ws.DirectionWork);
            ws.DirectionWork.Clear();
            return;
        }
        for (int d = 0; d < Options.NumDirections; d++)
        {
            RunDirection(ws, k, d, splitRows: true, backward);
        }
    }

    /// <summary>The time loop of direction d: projecting as it goes when the forward pass is pipelined.</summary>
    internal void RunDirection(RecurrentWorkspace ws, int k, int d, bool splitRows, bool backward)
    {
        if (!backward && ws.Pipelined)
        {
            ws.Pipeline[d].RunAlone();
            ws.Pipeline[d].Clear();
            return;
        }
        RunSteps(ws, k, d, splitRows, backward);
    }

    /// <summary>
    /// The time loop of direction d of layer k: forward in the direction's time order, or backward in the reverse
    /// order; each step's active rows on one thread or cut into chunks over the pool.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void RunSteps(RecurrentWorkspace ws, int k, int d, bool splitRows, bool backward)
    {
        var layout = ws.Layout;
        int steps = layout.MaxLength;
        var work = ws.StepWork[d];
        int inlineSteps = 0;
        for (int i = 0; i < steps; i++)
        {
            int s = backward ? steps - 1 - i : i;
            int t = d == 0 ? s : steps - 1 - s;
            int active = layout.Active[t];
            int chunks = Chunking(active, splitRows && inlineSteps == 0, out int per);
            if (chunks == 1)
            {
                if (backward)
                {
                    BackwardRows(ws, k, d, t, 0, active);
                }
                else
                {
                    ForwardRows(ws, k, d, t, 0, active);
                }
                inlineSteps = Math.Max(0, inlineSteps - 1);
            }
            else
            {
                work.Set(this, ws, k, d, t, active, per, backward);
                WorkerPool.Run(chunks, work);
                inlineSteps = AfterParallelStep(ws);
            }
        }
        work.Clear();
    }

    /// <summary>Ranks [a, b) of step t, direction d, layer k: h_in, the recurrent product, the cell, the output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void ForwardRows(RecurrentWorkspace ws, int k, int d, int t, int a, int b)
    {
        var o = Options;
        var layout = ws.Layout;
        int h = o.HiddenSize, gh = o.GateCount * h, dh = o.NumDirections * h;
        int slot = k * o.NumDirections + d;
        int rows = b - a, r0 = layout.Offsets[t] + a;
        int s0 = ws.KeepActivations ? r0 : a; // saved rows: this step's packed rows, or the one reused step buffer
        int savedWidth = SavedGateWidth;
        var state = ws.State[d].AsSpan(a * h, rows * h);
        var hin = ws.HiddenIn[slot].AsSpan(s0 * h, rows * h);
        state.CopyTo(hin);
        var hg = ws.HiddenProjection[d].AsSpan(a * gh, rows * gh);
        Gemm.MultiplyPacked(rows, hin, h, ws.PackedHiddenWeight[d], hg, gh, accumulate: false);
        var xg = ws.InputProjection[d].AsSpan(r0 * gh, rows * gh);
        var saved = ws.Gates[slot].AsSpan(s0 * savedWidth, rows * savedWidth);
        switch (o.Cell)
        {
            case RecurrentCellKind.Lstm:
                // bias_hh is already in xg (added with bias_ih before the loop).
                var cell = ws.CellState[d].AsSpan(a * h, rows * h);
                cell.CopyTo(ws.CellIn[slot].AsSpan(s0 * h, rows * h));
                LstmCell.Forward(xg, hg, default, ws.CellIn[slot].AsSpan(s0 * h, rows * h), rows, h, saved, cell,
                    ws.CellOut[slot].AsSpan(s0 * h, rows * h), state);
                break;
            case RecurrentCellKind.Gru:
                GruCell.Forward(xg, hg, Bias(_biasHh[slot]), hin, rows, h, saved, state);
                break;
            default:
                RnnCell.Forward(xg, hg, default, o.Cell == RecurrentCellKind.RnnRelu, rows, h, saved);
                saved.CopyTo(state);
                break;
        }
        var y = ws.LayerOutput[k].AsSpan();
        for (int r = 0; r < rows; r++)
        {
            state.Slice(r * h, h).CopyTo(y.Slice((r0 + r) * dh + d * h, h));
        }
    }

    /// <summary>Ranks [a, b) of step t backward: dh = dState + dY, the cell backward, dState = dGh W_hh.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void BackwardRows(RecurrentWorkspace ws, int k, int d, int t, int a, int b)
    {
        var o = Options;
        var layout = ws.Layout;
        int h = o.HiddenSize, gh = o.GateCount * h, dh = o.NumDirections * h;
        int slot = k * o.NumDirections + d;
        int rows = b - a, r0 = layout.Offsets[t] + a;
        int savedWidth = SavedGateWidth;
        var dState = ws.StateGradient[d].AsSpan(a * h, rows * h);
        var dhRows = ws.StepGradient[d].AsSpan(a * h, rows * h);
        var dY = ws.LayerGradient.AsSpan();
        for (int r = 0; r < rows; r++)
        {
            TensorPrimitives.Add(dState.Slice(r * h, h), dY.Slice((r0 + r) * dh + d * h, h), dhRows.Slice(r * h, h));
        }
        var saved = ws.Gates[slot].AsSpan(r0 * savedWidth, rows * savedWidth);
        var dG = ws.GateGradient[d].AsSpan(r0 * gh, rows * gh);
        var dGh = dG;
        bool accumulate = false;
        switch (o.Cell)
        {
            case RecurrentCellKind.Lstm:
                LstmCell.Backward(saved, ws.CellIn[slot].AsSpan(r0 * h, rows * h), ws.CellOut[slot].AsSpan(r0 * h, rows * h),
                    dhRows, rows, h, ws.CellGradient[d].AsSpan(a * h, rows * h), dG);
                break;
            case RecurrentCellKind.Gru:
                dGh = ws.HiddenGateGradient[d].AsSpan(r0 * gh, rows * gh);
                GruCell.Backward(saved, ws.HiddenIn[slot].AsSpan(r0 * h, rows * h), dhRows, rows, h, dG, dGh, dState);
                accumulate = true;
                break;
            default:
                RnnCell.Backward(saved, dhRows, o.Cell == RecurrentCellKind.RnnRelu, rows, h, dG);
                break;
        }
        Gemm.MultiplyPacked(rows, dGh, gh, ws.PackedHiddenWeight[d], dState, h, accumulate);
    }
}
