using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Engine.Scheduling;

namespace Microsoft.ML.Recurrent.Layers;

public sealed partial class RecurrentLayer
{
    /// <summary>
    /// Runs the layer over a padded batch. Steps at or beyond a sequence's length are never read, and
    /// the output there is exactly 0; the reverse direction runs within each sequence's valid length.
    /// </summary>
    /// <param name="workspace">Buffers from <see cref="CreateWorkspace"/>; keeps what <see cref="Backward"/> needs.</param>
    /// <param name="input">(B, T, I) batch-first input.</param>
    /// <param name="batchSize">B, at least 1.</param>
    /// <param name="sequenceLength">T, the padded length, at least 1.</param>
    /// <param name="lengths">(B) valid length of each sequence, 1..T, any order; empty means every sequence has length T.</param>
    /// <param name="initialHidden">(L*D, B, H) h0, index layer*D + direction; empty means zeros.</param>
    /// <param name="initialCell">(L*D, B, H) c0 (LSTM only); empty means zeros.</param>
    /// <param name="output">(B, T, D*H) the top layer's output; may be empty when not needed.</param>
    /// <param name="finalHidden">(L*D, B, H) h_n; may be empty.</param>
    /// <param name="finalCell">(L*D, B, H) c_n (LSTM only); may be empty.</param>
    /// <exception cref="ArgumentException">A size or length is not what the layer and the batch require.</exception>
    public void Forward(
        RecurrentWorkspace workspace,
        ReadOnlySpan<float> input, int batchSize, int sequenceLength, ReadOnlySpan<int> lengths,
        ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> initialCell,
        Span<float> output, Span<float> finalHidden, Span<float> finalCell)
    {
        ValidateWorkspace(workspace);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequenceLength, 1);
        var o = Options;
        CheckSizes((long)batchSize * sequenceLength, batchSize, nameof(input));
        int stateSize = o.NumLayers * o.NumDirections * batchSize * o.HiddenSize;
        RecurrentValidation.Length(input.Length, batchSize, sequenceLength, o.InputSize, nameof(input));
        RecurrentValidation.OptionalLength(initialHidden.Length, stateSize, nameof(initialHidden), "NumLayers * NumDirections * batchSize * HiddenSize");
        RecurrentValidation.OptionalLength(initialCell.Length, stateSize, nameof(initialCell), "NumLayers * NumDirections * batchSize * HiddenSize");
        RecurrentValidation.OptionalLength(output.Length, checked((long)batchSize * sequenceLength * o.NumDirections * o.HiddenSize), nameof(output), "batchSize * sequenceLength * NumDirections * HiddenSize");
        RecurrentValidation.OptionalLength(finalHidden.Length, stateSize, nameof(finalHidden), "NumLayers * NumDirections * batchSize * HiddenSize");
        RecurrentValidation.OptionalLength(finalCell.Length, stateSize, nameof(finalCell), "NumLayers * NumDirections * batchSize * HiddenSize");
        if (o.Cell != RecurrentCellKind.Lstm && (!initialCell.IsEmpty || !finalCell.IsEmpty))
        {
            throw new ArgumentException($"Only an LSTM has a cell state; this layer's cell is {o.Cell}. Pass empty spans for initialCell and finalCell.", initialCell.IsEmpty ? nameof(finalCell) : nameof(initialCell));
        }
        RecurrentValidation.Lengths(lengths, batchSize, sequenceLength);

        var layout = workspace.Layout;
        layout.Build(lengths.IsEmpty ? workspace.AllLengths(batchSize, sequenceLength) : lengths, sequenceLength);
        var packed = RecurrentWorkspace.Ensure(ref workspace.InputPacked, layout.TotalRows * o.InputSize);
        layout.Pack(input, o.InputSize, packed);
        workspace.InputTokens = null; // rows of features, not tokens: nothing for the token projection cache
        ForwardCore(workspace, initialHidden, initialCell);
        if (!output.IsEmpty)
        {
            layout.Unpack(workspace.LayerOutput[o.NumLayers - 1], o.NumDirections * o.HiddenSize, output);
        }
        if (!finalHidden.IsEmpty)
        {
            workspace.FinalHidden.AsSpan(0, stateSize).CopyTo(finalHidden);
        }
        if (!finalCell.IsEmpty)
        {
            workspace.FinalCell.AsSpan(0, stateSize).CopyTo(finalCell);
        }
    }

    /// <summary>
    /// Forward over the packed input already in <c>workspace.InputPacked</c> and the layout in
    /// <c>workspace.Layout</c>. Leaves the top output in <c>LayerOutput[L-1]</c> (N, D*H) and the final
    /// states in <c>FinalHidden</c> / <c>FinalCell</c> (L*D, B, H).
    /// </summary>
    /// <param name="workspace">Holds the packed input and layout; receives the saved activations.</param>
    /// <param name="initialHidden">(L*D, B, H) in batch order, or empty for zeros.</param>
    /// <param name="initialCell">(L*D, B, H) LSTM only, or empty for zeros.</param>
    /// <param name="dropout">Probability of zeroing each output of every layer but the last (inverted dropout); 0 for none.</param>
    /// <param name="random">The mask source when <paramref name="dropout"/> is above 0.</param>
    internal void ForwardCore(RecurrentWorkspace workspace, ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> initialCell,
        float dropout = 0f, RandomSource? random = null)
    {
        var o = Options;
        var layout = workspace.Layout;
        CheckSizes(layout.TotalRows, layout.Batch, "batch");
        int n = layout.TotalRows;
        int dh = o.NumDirections * o.HiddenSize;
        int stateSize = o.NumLayers * o.NumDirections * layout.Batch * o.HiddenSize;
        RecurrentWorkspace.Ensure(ref workspace.FinalHidden, stateSize);
        if (o.Cell == RecurrentCellKind.Lstm)
        {
            RecurrentWorkspace.Ensure(ref workspace.FinalCell, stateSize);
        }
        ReadOnlySpan<float> x = workspace.InputPacked.AsSpan(0, n * o.InputSize);
        int inSize = o.InputSize;
        workspace.WeightDropoutUsed = workspace.WeightDropout > 0f && random is not null;
        if (workspace.WeightDropoutUsed && workspace.WeightsFrozen)
        {
            throw new InvalidOperationException("This workspace's weights are frozen (it only predicts); weight dropout needs an ordinary workspace from CreateWorkspace().");
        }
        if (workspace.WeightDropoutUsed)
        {
            MaskHiddenWeights(workspace, random!);
        }
        PlanSlices(workspace);
        for (int k = 0; k < o.NumLayers; k++)
        {
            var y = RecurrentWorkspace.Ensure(workspace.LayerOutput, k, n * dh);
            for (int d = 0; d < o.NumDirections; d++)
            {
                ForwardPrepare(workspace, k, d, x, inSize, initialHidden, initialCell);
            }
            RunLoops(workspace, k, backward: false);
            for (int d = 0; d < o.NumDirections; d++)
            {
                int slot = k * o.NumDirections + d;
                StoreState(layout, workspace.State[d].AsSpan(0, layout.Batch * o.HiddenSize), slot, o.HiddenSize, workspace.FinalHidden);
                if (o.Cell == RecurrentCellKind.Lstm)
                {
                    StoreState(layout, workspace.CellState[d].AsSpan(0, layout.Batch * o.HiddenSize), slot, o.HiddenSize, workspace.FinalCell);
                }
            }
            if (dropout > 0f && k < o.NumLayers - 1)
            {
                var mask = RecurrentWorkspace.Ensure(workspace.DropoutMask, k, n * dh).AsSpan(0, n * dh);
                if (workspace.LockedDropout)
                {
                    var unit = RecurrentWorkspace.Ensure(ref workspace.LockedMask, layout.Batch * dh).AsSpan(0, layout.Batch * dh);
                    DropoutMask.Fill(unit, dropout, random!);
                    ExpandPerSequence(layout, unit, dh, mask);
                }
                else
                {
                    DropoutMask.Fill(mask, dropout, random!);
                }
                TensorPrimitives.Multiply(y.AsSpan(0, n * dh), mask, y.AsSpan(0, n * dh));
            }
            x = y.AsSpan(0, n * dh);
            inSize = dh;
        }
        workspace.DropoutUsed = dropout > 0f;
        workspace.HasForward = workspace.KeepActivations;
        workspace.BackwardConsumed = false;
        workspace.ForwardKeptNothing = !workspace.KeepActivations;
    }

    /// <summary>
    /// Everything of direction d of layer k before its time loop: the input projection of all steps with
    /// both biases (bias_hh only for the gates where it adds directly: not GRU's n), the initial states,
    /// the saved-activation buffers and W_hh^T packed.
    /// </summary>
    private void ForwardPrepare(RecurrentWorkspace ws, int k, int d, ReadOnlySpan<float> x, int inSize,
        ReadOnlySpan<float> h0, ReadOnlySpan<float> c0)
    {
        var o = Options;
        var layout = ws.Layout;
        int h = o.HiddenSize, gh = o.GateCount * h, n = layout.TotalRows, batch = layout.Batch;
        int slot = k * o.NumDirections + d;
        bool lstm = o.Cell == RecurrentCellKind.Lstm;
        var wIh = Parameters.GetValues(_weightIh[slot]);
        var wHh = HiddenWeight(ws, slot);
        var bIh = Bias(_biasIh[slot]);
        var bHh = o.Cell == RecurrentCellKind.Gru ? default : Bias(_biasHh[slot]);

        // The input projection of every step with the biases as its starting rows: (N, in) x (G*H, in)^T + (bias_ih + bias_hh),
        // in one GEMM here, or in blocks of rows by the loop as it goes (ProjectSteps).
        ReadOnlySpan<float> bias = bIh;
        if (!bHh.IsEmpty)
        {
            var both = RecurrentWorkspace.Ensure(ws.ProjectionBias, d, gh).AsSpan(0, gh);
            TensorPrimitives.Add(bIh, bHh, both);
            bias = both;
        }
        // A caller running one step per call with a pack cache of its own (a decoder) projects in blocks too: the loops then
        // read W_ih^T packed once for all its steps, on every thread, instead of a one-GEMM call packing it again each step.
        ws.ProjectInBlocks = TimeLoopScheduler.ProjectsInBlocks(layout.TotalRows, ws.Scheduling)
            || (ws.PackCache is not null && !ws.WeightsFrozen && ws.Scheduling.BlockProjection is null && n > Gemm.SmallM);
        if (!ws.ProjectInBlocks)
        {
            var xg = RecurrentWorkspace.Ensure(ws.InputProjection, d, n * gh).AsSpan(0, n * gh);
            if (k == 0 && ws.WeightsFrozen && n > Gemm.SmallM && ws.InputTokens is { } tokens)
            {
                ProjectTokens(ws, d, slot, tokens.AsSpan(0, n), x, inSize, gh, wIh, bias, xg);
            }
            else
            {
                ProjectRows(ws, slot, n, x, inSize, gh, wIh, bias, xg);
            }
        }
        else
        {
            if (bias.IsEmpty)
            {
                ws.ProjectionBias[d] = []; // no bias: the projection starts from +0, as the one GEMM does
            }
            else if (bias == bIh)
            {
                bIh.CopyTo(RecurrentWorkspace.Ensure(ws.ProjectionBias, d, gh));
            }
            ws.PackedInputWeight[d] = PackWeight(ws, WeightPackCache.Kind.ForwardInput, slot, ws.OwnInputPack[d], true, inSize, gh, wIh, inSize);
            // Each loop's block: the rows of its next steps, about ProjectionBlockRows (more when one step of the slice has more).
            int blockRows = Math.Max(TimeLoopScheduler.ProjectionBlockRows, batch);
            // One block per pool item: any item may run ranks of either direction.
            int items = TimeLoopScheduler.Items(o.NumDirections * ws.Slices.Count, ws.Scheduling);
            ws.EnsureLoops(items);
            for (int item = 0; item < items; item++)
            {
                RecurrentWorkspace.Ensure(ws.SliceInput, item, blockRows * inSize);
                RecurrentWorkspace.Ensure(ws.SliceProjection, item, blockRows * gh);
            }
        }

        int saved = ws.KeepActivations ? n : batch; // rows of the saved activations: every step's, or one step's reused
        var state = RecurrentWorkspace.Ensure(ws.State, d, batch * h).AsSpan(0, batch * h);
        LoadState(layout, h0, slot, h, state);
        if (lstm)
        {
            LoadState(layout, c0, slot, h, RecurrentWorkspace.Ensure(ws.CellState, d, batch * h).AsSpan(0, batch * h));
            RecurrentWorkspace.Ensure(ws.CellIn, slot, saved * h);
            RecurrentWorkspace.Ensure(ws.CellOut, slot, saved * h);
        }
        RecurrentWorkspace.Ensure(ws.Gates, slot, saved * SavedGateWidth);
        RecurrentWorkspace.Ensure(ws.HiddenIn, slot, saved * h);
        RecurrentWorkspace.Ensure(ws.HiddenProjection, d, batch * gh);
        ws.PackedHiddenWeight[d] = PackWeight(ws, WeightPackCache.Kind.ForwardHidden, slot, ws.OwnHiddenPack[d], true, h, gh, wHh, h);
    }

    /// <summary>
    /// op(B) packed for the time loops: from the workspace's <see cref="WeightPackCache"/> when it has one (packed once until
    /// invalidated; not with masked weights, which change every pass), else packed into <paramref name="own"/>.
    /// </summary>
    private PackedMatrix PackWeight(RecurrentWorkspace ws, WeightPackCache.Kind kind, int slot, PackedMatrix own, bool transB,
        int k, int n, ReadOnlySpan<float> b, int ldb)
    {
        int replicas = WeightReplicas(ws);
        if (ws.PackCache is { } cache && !(kind != WeightPackCache.Kind.ForwardInput && ws.WeightDropoutUsed))
        {
            return cache.Get(kind, slot, transB, k, n, b, ldb, replicas);
        }
        Gemm.Pack(transB, k, n, b, ldb, own, replicas);
        return own;
    }

    /// <summary>
    /// Copies of the packed W_hh (and W_ih, when projecting in blocks) for the pool's workers
    /// (<see cref="TimeLoopScheduler.WeightReplicas"/>).
    /// </summary>
    private int WeightReplicas(RecurrentWorkspace ws) => TimeLoopScheduler.WeightReplicas(Options.NumDirections * ws.Slices.Count, ws.Scheduling);

    /// <summary>Floats saved per packed row and hidden unit's gate block: LSTM i,f,g,o; GRU r,z,n,hn; RNN h.</summary>
    internal int SavedGateWidth => Options.Cell switch
    {
        RecurrentCellKind.Lstm => 4 * Options.HiddenSize,
        RecurrentCellKind.Gru => GruCell.SavedPerHidden * Options.HiddenSize,
        _ => Options.HiddenSize,
    };

    // (L*D, B, H) in batch order -> (B, H) by rank for one slot; zeros when the source is empty.
    private static void LoadState(PackedLayout layout, ReadOnlySpan<float> source, int slot, int h, Span<float> state)
    {
        if (source.IsEmpty)
        {
            state.Clear();
            return;
        }
        int batch = layout.Batch;
        for (int b = 0; b < batch; b++)
        {
            source.Slice((slot * batch + b) * h, h).CopyTo(state.Slice(layout.Rank[b] * h, h));
        }
    }

    // (B, H) by rank -> (L*D, B, H) in batch order for one slot.
    private static void StoreState(PackedLayout layout, ReadOnlySpan<float> state, int slot, int h, Span<float> target)
    {
        int batch = layout.Batch;
        for (int b = 0; b < batch; b++)
        {
            state.Slice(layout.Rank[b] * h, h).CopyTo(target.Slice((slot * batch + b) * h, h));
        }
    }

    /// <summary>
    /// Refuses a batch whose buffers do not fit in one array, before anything is allocated: every buffer of a pass is
    /// (rows, width) with width at most the widest of input, output, gate and saved-activation rows, or (L*D, B, H).
    /// Past this check the int size products of the layer cannot overflow.
    /// </summary>
    /// <param name="rows">Packed rows of the batch: the sum of its sequence lengths (or B*T, which bounds it).</param>
    /// <param name="batch">Sequences in the batch (B).</param>
    /// <param name="paramName">The argument that carries the batch, for the exception.</param>
    internal void CheckSizes(long rows, int batch, string paramName)
    {
        var o = Options;
        int width = Math.Max(Math.Max(o.InputSize, o.NumDirections * o.HiddenSize), Math.Max(o.GateCount * o.HiddenSize, SavedGateWidth));
        long floats = rows * width;
        if (floats > Array.MaxLength)
        {
            throw new ArgumentException(
                $"The batch has {rows} steps in all (the sum of its sequence lengths); with rows of {width} floats (the widest of the layer's input, output, gate and saved rows) one buffer would need {floats} floats, more than one array holds (Array.MaxLength = {Array.MaxLength}). Use shorter sequences or smaller batches.",
                paramName);
        }
        long state = (long)o.NumLayers * o.NumDirections * batch * o.HiddenSize;
        if (state > Array.MaxLength)
        {
            throw new ArgumentException(
                $"The states of {batch} sequences need NumLayers * NumDirections * {batch} * HiddenSize = {state} floats, more than one array holds (Array.MaxLength = {Array.MaxLength}). Use smaller batches.",
                paramName);
        }
    }

    private void ValidateWorkspace(RecurrentWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        if (!ReferenceEquals(workspace.Options, Options) && workspace.Options != Options)
        {
            throw new ArgumentException("The workspace was created by a layer of another shape; use this layer's CreateWorkspace().", nameof(workspace));
        }
    }
}
