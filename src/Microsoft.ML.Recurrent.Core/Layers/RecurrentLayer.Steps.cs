using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Layers;

// The time loops. The rows of a step are independent, and so is each sequence's whole recurrence: rank r's row of step
// t reads only rank r's state, and its recurrent product is a product with W_hh^T (forward) or W_hh (backward) packed
// once per pass, whose result does not depend on how many rows are computed together. So the ranks of a batch may be
// cut into slices, each with a time loop of its own on its own thread, and the two directions of a bidirectional layer
// may run concurrently, with bit-identical results and one synchronisation per pass.
public sealed partial class RecurrentLayer
{
    // A slice holds whole register tiles of rows (8 at Vector512) when that keeps the slices about equal.
    private const int SliceRowMultiple = 8;

    // A slice is worth a thread when its whole loop does at least this many multiply-adds in its recurrent products:
    // waking a worker costs microseconds, once per pass.
    private const long SliceMinWork = 1L << 20;

    // Rows of one block of the input projection when a loop projects as it goes (one A block of the GEMM).
    internal const int ProjectionBlockRows = 128;

    /// <summary>Tests only: slices whenever the batch allows (true) whatever the work, never (false), or as planned (null).</summary>
    internal static bool? ForceSlicing;

    /// <summary>Tests only: forces a forward loop that projects its input block by block on or off (results are the same either way).</summary>
    internal static bool? ForceBlockProjection;

    /// <summary>
    /// Cuts the ranks of the current batch into slices of about equal work (packed rows), one time loop each, so that
    /// the directions times the slices use the pool's threads; fills <c>ws.SliceBounds</c> and <c>ws.SliceCount</c>
    /// (1: one loop per direction over all ranks). A bidirectional layer gets one slice per direction on two threads.
    /// </summary>
    internal void PlanSlices(RecurrentWorkspace ws)
    {
        var layout = ws.Layout;
        int batch = layout.Batch;
        long total = layout.TotalRows;
        long rowWork = (long)Options.GateCount * Options.HiddenSize * Options.HiddenSize;
        int slices = Math.Min(ComputeSettings.MaxThreads / Options.NumDirections, batch / SliceRowMultiple);
        if (ForceSlicing != true)
        {
            slices = ForceSlicing == false ? 1 : (int)Math.Min(slices, total * rowWork / SliceMinWork);
        }
        ws.SliceCount = 1;
        if (slices < 2)
        {
            return;
        }
        if (ws.SliceBounds.Length < slices + 1)
        {
            ws.SliceBounds = new int[slices + 1];
        }
        var bounds = ws.SliceBounds;
        int count = 0, last = layout.MaxLength - 1;
        bounds[0] = 0;
        for (int j = 1; j < slices; j++)
        {
            // Within an eighth of a slice's share, the bound moves to a whole tile.
            int bound = BalancedCut(layout, 0, batch, 0, last, total * j / slices, total / (8 * slices));
            if (bound > bounds[count] && bound < batch)
            {
                bounds[++count] = bound;
            }
        }
        bounds[++count] = batch;
        ws.SliceCount = count;
    }

    // Rows of rank r at times [low, high].
    private static int RowsWithin(PackedLayout layout, int r, int low, int high) =>
        Math.Max(0, Math.Min(layout.Lengths[layout.Order[r]], high + 1) - low);

    // Rows of ranks [start, end) at times [low, high].
    private static long RowsWithin(PackedLayout layout, int start, int end, int low, int high)
    {
        long sum = 0;
        for (int r = start; r < end; r++)
        {
            sum += RowsWithin(layout, r, low, high);
        }
        return sum;
    }

    /// <summary>
    /// The rank r in [start, end] whose ranks [start, r) have, at times [low, high], the number of rows nearest to
    /// <paramref name="target"/>; moved to a whole register tile of ranks from start when that is within
    /// <paramref name="tolerance"/> rows of the target. Used to plan slices and to halve a loop's remaining work.
    /// </summary>
    private static int BalancedCut(PackedLayout layout, int start, int end, int low, int high, long target, long tolerance)
    {
        long prefix = 0; // rows of ranks [start, cut)
        int cut = start;
        while (cut < end && prefix + RowsWithin(layout, cut, low, high) <= target)
        {
            prefix += RowsWithin(layout, cut++, low, high);
        }
        if (cut < end && target - prefix > prefix + RowsWithin(layout, cut, low, high) - target)
        {
            cut++; // the next rank overshoots by less than this one falls short
        }
        int tiled = start + (cut - start + SliceRowMultiple / 2) / SliceRowMultiple * SliceRowMultiple;
        if (tiled <= end && Math.Abs(RowsWithin(layout, start, tiled, low, high) - target) <= tolerance)
        {
            cut = tiled;
        }
        return cut;
    }

    /// <summary>
    /// Copies of the packed W_hh (and W_ih, when projecting in blocks) to keep for the pool's workers: one per thread beyond
    /// the first that may multiply by it (any thread running a loop may take over ranks of any direction), so that no two
    /// cores read one copy every step.
    /// </summary>
    private int WeightReplicas(RecurrentWorkspace ws) => Math.Min(ComputeSettings.MaxThreads, LayerSliceWork.Items(Options.NumDirections * ws.SliceCount)) - 1;

    /// <summary>
    /// Whether the forward loops project their input a block of rows at a time as they go, each loop its own ranks,
    /// instead of in one GEMM of every row before them: when there are at least two blocks of rows. A block is then
    /// still in the cache of the core that reads it, and the (N, G*H) projection of every row is never stored.
    /// </summary>
    private static bool ProjectsInBlocks(RecurrentWorkspace ws) =>
        ForceBlockProjection ?? ws.Layout.TotalRows >= 2 * ProjectionBlockRows;

    /// <summary>Runs the time loops of every direction and slice of layer k: on the pool when there are two or more.</summary>
    private void RunDirections(RecurrentWorkspace ws, int k, bool backward)
    {
        int loops = Options.NumDirections * ws.SliceCount;
        var work = ws.SliceWork;
        work.Set(this, ws, k, ws.SliceCount, Options.NumDirections, backward);
        int items = LayerSliceWork.Items(loops);
        if (items > 1 && ComputeSettings.MaxThreads >= 2)
        {
            WorkerPool.Run(items, work);
        }
        else
        {
            for (int loop = 0; loop < loops; loop++)
            {
                RunSlice(ws, k, work.Parts[loop], loop, backward);
            }
        }
        work.Clear();
    }

    // Below this many multiply-adds left in its recurrent products, a loop keeps its ranks when asked for half of them.
    private const long StealMinWork = 1L << 18;

    /// <summary>
    /// The time loop of one part (<see cref="LayerSlicePart"/>: a direction, its ranks, its first loop step) of layer k:
    /// forward in the direction's time order, or backward in the reverse order; each step computes the part's ranks
    /// still active. A forward loop that projects in blocks (<see cref="ProjectsInBlocks"/>) projects the rows of its
    /// next steps, about a block, into the block of loop <paramref name="buffer"/> before them. Between steps (between
    /// blocks) it answers a request for half of its remaining ranks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void RunSlice(RecurrentWorkspace ws, int k, LayerSlicePart part, int buffer, bool backward)
    {
        var layout = ws.Layout;
        int steps = layout.MaxLength;
        int d = part.Direction, a = part.Start;
        int gh = Options.GateCount * Options.HiddenSize;
        bool blocks = !backward && ws.ProjectInBlocks;
        var projected = blocks ? ws.SliceProjection[buffer] : [];
        part.Begin();
        try
        {
            if (LayerSliceWork.ThievesForTests > 0 && buffer == 0 && part.FirstStep == 0)
            {
                part.AwaitRequestForTests(TimeSpan.FromMilliseconds(200));
            }
            for (int i = part.FirstStep; i < steps;)
            {
                if (part.HasRequest(i))
                {
                    part.Answer(i, SplitRemaining(layout, part, i, backward));
                }
                int b = part.End;
                if (!blocks)
                {
                    int t = TimeOf(steps, d, backward, i);
                    int end = Math.Min(b, layout.Active[t]);
                    if (end > a)
                    {
                        if (backward)
                        {
                            BackwardRows(ws, k, d, t, a, end);
                        }
                        else
                        {
                            ForwardRows(ws, k, d, t, a, end, ws.InputProjection[d].AsSpan((layout.Offsets[t] + a) * gh, (end - a) * gh));
                        }
                    }
                    i++;
                    continue;
                }
                // The next steps whose rows of this part make about a block (at least one step), projected in one product.
                int first = i, rows = 0;
                for (; i < steps; i++)
                {
                    int t = TimeOf(steps, d, backward: false, i);
                    int n = Math.Max(0, Math.Min(b, layout.Active[t]) - a);
                    if (rows > 0 && rows + n > ProjectionBlockRows)
                    {
                        break;
                    }
                    rows += n;
                }
                if (rows == 0)
                {
                    continue;
                }
                ProjectSteps(ws, k, d, buffer, first, i, a, b, rows);
                int offset = 0;
                for (int q = first; q < i; q++)
                {
                    int t = TimeOf(steps, d, backward: false, q);
                    int end = Math.Min(b, layout.Active[t]);
                    if (end <= a)
                    {
                        continue;
                    }
                    ForwardRows(ws, k, d, t, a, end, projected.AsSpan(offset * gh, (end - a) * gh));
                    offset += end - a;
                }
            }
        }
        finally
        {
            part.Finish();
        }
    }

    // The time of loop step i of direction d: forward loops run in the direction's time order, backward ones in reverse.
    private static int TimeOf(int steps, int d, bool backward, int i)
    {
        int s = backward ? steps - 1 - i : i;
        return d == 0 ? s : steps - 1 - s;
    }

    /// <summary>
    /// Where to cut the ranks of a part that is asked for half of its work at loop step <paramref name="step"/>: the rank
    /// that halves its remaining rows (on a whole register tile of ranks when that stays within an eighth of a half), or
    /// the part's start (a refusal) when the work left is too small to share.
    /// </summary>
    private int SplitRemaining(PackedLayout layout, LayerSlicePart part, int step, bool backward)
    {
        int steps = layout.MaxLength;
        // The loop's remaining steps cover times [low, high]: ascending from `step` when the loop runs forward in time.
        bool ascending = backward == (part.Direction == 1);
        int low = ascending ? step : 0, high = ascending ? steps - 1 : steps - 1 - step;
        long total = RowsWithin(layout, part.Start, part.End, low, high);
        long rowWork = (long)Options.GateCount * Options.HiddenSize * Options.HiddenSize;
        if (total * rowWork < 2 * StealMinWork && LayerSliceWork.ThievesForTests == 0) // tests' thieves take any split
        {
            return part.Start;
        }
        // Within an eighth of a half, the cut moves to a whole tile; the first rank stays with the loop in any case.
        return Math.Max(part.Start + 1, BalancedCut(layout, part.Start, part.End, low, high, total / 2, total / 16));
    }

    /// <summary>Ranks [a, b) of step t, direction d, layer k: h_in, the recurrent product, the cell, the output; xg is their input projection.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void ForwardRows(RecurrentWorkspace ws, int k, int d, int t, int a, int b, ReadOnlySpan<float> xg)
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
