using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Engine.Scheduling;

namespace Microsoft.ML.Recurrent.Layers;

public sealed partial class RecurrentLayer
{
    /// <summary>
    /// Backpropagation through time of the last <see cref="Forward"/> on this workspace: from the upstream
    /// gradients on output, h_n and c_n to the gradients of the input, h0, c0 and every parameter. It runs once per
    /// forward pass: the gate gradients are written over the saved activations, which saves a buffer as big as them.
    /// Every gradient is <b>added</b> into its buffer (parameters into <see cref="ParameterSet.Gradients"/>);
    /// zero them once per training step.
    /// </summary>
    /// <param name="workspace">The workspace of the forward pass.</param>
    /// <param name="outputGradient">(B, T, D*H) dLoss/d output; values at padded steps are ignored; empty means zeros.</param>
    /// <param name="finalHiddenGradient">(L*D, B, H) dLoss/d h_n; empty means zeros.</param>
    /// <param name="finalCellGradient">(L*D, B, H) dLoss/d c_n (LSTM only); empty means zeros.</param>
    /// <param name="inputGradient">(B, T, I) receives dLoss/d input (nothing is added at padded steps); may be empty.</param>
    /// <param name="initialHiddenGradient">(L*D, B, H) receives dLoss/d h0; may be empty.</param>
    /// <param name="initialCellGradient">(L*D, B, H) receives dLoss/d c0 (LSTM only); may be empty.</param>
    /// <exception cref="InvalidOperationException">No forward pass ran on this workspace, the last one kept no activations
    /// (<see cref="RecurrentWorkspace.KeepActivations"/> false), Backward already ran for it (it writes its gate gradients
    /// over the saved activations: one Backward per Forward), or the workspace's weights are frozen.</exception>
    /// <exception cref="ArgumentException">A span has the wrong size for the batch of the forward pass.</exception>
    public void Backward(
        RecurrentWorkspace workspace,
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> finalHiddenGradient, ReadOnlySpan<float> finalCellGradient,
        Span<float> inputGradient, Span<float> initialHiddenGradient, Span<float> initialCellGradient) =>
        BackwardSelective(workspace, outputGradient, finalHiddenGradient, finalCellGradient, inputGradient, initialHiddenGradient, initialCellGradient, weightGradients: true);

    /// <summary>As <c>Backward</c>; <paramref name="weightGradients"/> false leaves the parameter gradients to the
    /// caller (<see cref="StepWeightGradients"/>).</summary>
    internal void BackwardSelective(
        RecurrentWorkspace workspace,
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> finalHiddenGradient, ReadOnlySpan<float> finalCellGradient,
        Span<float> inputGradient, Span<float> initialHiddenGradient, Span<float> initialCellGradient, bool weightGradients)
    {
        ValidateWorkspace(workspace);
        if (!workspace.HasForward)
        {
            throw new InvalidOperationException(workspace.ForwardKeptNothing
                ? "Backward needs a Forward on the same workspace with KeepActivations = true; the last one kept no activations."
                : workspace.BackwardConsumed
                    ? "Backward has already run for the last Forward on this workspace (it writes its gate gradients over the saved activations); run Forward again first."
                    : "Backward needs a Forward on the same workspace first.");
        }
        var o = Options;
        var layout = workspace.Layout;
        int batch = layout.Batch, t = layout.SequenceLength;
        int stateSize = o.NumLayers * o.NumDirections * batch * o.HiddenSize;
        const string stateExpr = "NumLayers * NumDirections * batchSize * HiddenSize";
        RecurrentValidation.OptionalLength(outputGradient.Length, (long)batch * t * o.NumDirections * o.HiddenSize, nameof(outputGradient), "batchSize * sequenceLength * NumDirections * HiddenSize");
        RecurrentValidation.OptionalLength(finalHiddenGradient.Length, stateSize, nameof(finalHiddenGradient), stateExpr);
        RecurrentValidation.OptionalLength(finalCellGradient.Length, stateSize, nameof(finalCellGradient), stateExpr);
        RecurrentValidation.OptionalLength(inputGradient.Length, (long)batch * t * o.InputSize, nameof(inputGradient), "batchSize * sequenceLength * InputSize");
        RecurrentValidation.OptionalLength(initialHiddenGradient.Length, stateSize, nameof(initialHiddenGradient), stateExpr);
        RecurrentValidation.OptionalLength(initialCellGradient.Length, stateSize, nameof(initialCellGradient), stateExpr);
        if (o.Cell != RecurrentCellKind.Lstm && (!finalCellGradient.IsEmpty || !initialCellGradient.IsEmpty))
        {
            throw new ArgumentException($"Only an LSTM has a cell state; this layer's cell is {o.Cell}.", finalCellGradient.IsEmpty ? nameof(initialCellGradient) : nameof(finalCellGradient));
        }

        int n = layout.TotalRows, dh = o.NumDirections * o.HiddenSize;
        var dTop = RecurrentWorkspace.Ensure(ref workspace.LayerGradient, n * dh).AsSpan(0, n * dh);
        if (outputGradient.IsEmpty)
        {
            dTop.Clear();
        }
        else
        {
            layout.Pack(outputGradient, dh, dTop);
        }
        var dInputPacked = BackwardCore(workspace, finalHiddenGradient, finalCellGradient, !inputGradient.IsEmpty, initialHiddenGradient, initialCellGradient, weightGradients);
        if (!inputGradient.IsEmpty)
        {
            layout.UnpackAdd(dInputPacked, o.InputSize, inputGradient);
        }
    }

    /// <summary>
    /// BPTT from the packed gradient on the top output already in <c>workspace.LayerGradient</c> (N, D*H).
    /// Returns the packed gradient on the layer-0 input (N, I) when asked for, else an empty span.
    /// </summary>
    /// weightGradients: false leaves <see cref="ParameterSet.Gradients"/> untouched (input gradients only, e.g. for attribution).
    internal ReadOnlySpan<float> BackwardCore(RecurrentWorkspace ws, ReadOnlySpan<float> dHn, ReadOnlySpan<float> dCn,
        bool wantInputGradient, Span<float> dH0, Span<float> dC0, bool weightGradients = true)
    {
        if (ws.WeightsFrozen)
        {
            // A frozen workspace only predicts (its owner shares a read-only model): no gradients are wanted from it.
            throw new InvalidOperationException("This workspace's weights are frozen (it only predicts); a backward pass needs an ordinary workspace from CreateWorkspace().");
        }
        // The gate gradients are written over the saved gates: from here on the forward pass is used up, also when this
        // pass fails part-way (a retry would read gradients as gates).
        ws.HasForward = false;
        ws.BackwardConsumed = true;
        var o = Options;
        int n = ws.Layout.TotalRows, dh = o.NumDirections * o.HiddenSize;
        if (weightGradients)
        {
            _ = Parameters.Gradients; // created here, on the calling thread, when this is the model's first backward pass
        }
        PlanSlices(ws);
        for (int k = o.NumLayers - 1; k >= 0; k--)
        {
            int inSize = k == 0 ? o.InputSize : dh;
            ReadOnlySpan<float> x = k == 0 ? ws.InputPacked.AsSpan(0, n * inSize) : ws.LayerOutput[k - 1].AsSpan(0, n * inSize);
            bool needDx = k > 0 || wantInputGradient;
            var dx = needDx ? RecurrentWorkspace.Ensure(ref ws.LayerInputGradient, n * inSize).AsSpan(0, n * inSize) : default;
            dx.Clear();
            for (int d = 0; d < o.NumDirections; d++)
            {
                BackwardPrepare(ws, k, d, dHn, dCn);
            }
            RunLoops(ws, k, backward: true);
            // Weight and input gradients after both time loops, direction 0 first: dx sums in a fixed order.
            for (int d = 0; d < o.NumDirections; d++)
            {
                BackwardFinish(ws, k, d, x, inSize, needDx, dx, dH0, dC0, weightGradients);
            }
            if (needDx)
            {
                // This layer's input gradient is the next lower layer's output gradient (through its dropout mask).
                (ws.LayerGradient, ws.LayerInputGradient) = (ws.LayerInputGradient, ws.LayerGradient);
                if (k > 0 && ws.DropoutUsed)
                {
                    var g = ws.LayerGradient.AsSpan(0, n * dh);
                    TensorPrimitives.Multiply(g, ws.DropoutMask[k - 1].AsSpan(0, n * dh), g);
                }
            }
        }
        return wantInputGradient ? ws.LayerGradient.AsSpan(0, n * o.InputSize) : default;
    }

    private void BackwardPrepare(RecurrentWorkspace ws, int k, int d, ReadOnlySpan<float> dHn, ReadOnlySpan<float> dCn)
    {
        var o = Options;
        var layout = ws.Layout;
        int h = o.HiddenSize, gh = o.GateCount * h, n = layout.TotalRows, batch = layout.Batch;
        int slot = k * o.NumDirections + d;
        LoadState(layout, dHn, slot, h, RecurrentWorkspace.Ensure(ws.StateGradient, d, batch * h).AsSpan(0, batch * h));
        if (o.Cell == RecurrentCellKind.Lstm)
        {
            LoadState(layout, dCn, slot, h, RecurrentWorkspace.Ensure(ws.CellGradient, d, batch * h).AsSpan(0, batch * h));
        }
        // The hidden-side gate gradients (rows of stride SavedGateWidth) overwrite the saved gates of their own rows, which
        // the cell's backward reads first: the pass needs no (N, G*H) buffer of its own for them. For LSTM and RNN they are
        // all the gate gradients (SavedGateWidth = G*H); GRU's input-side ones differ in the n block and keep their buffer.
        ws.HiddenGateGradient[d] = ws.Gates[slot];
        if (o.Cell == RecurrentCellKind.Gru)
        {
            RecurrentWorkspace.Ensure(ws.GateGradient, d, n * gh);
        }
        else
        {
            ws.GateGradient[d] = ws.Gates[slot];
        }
        RecurrentWorkspace.Ensure(ws.StepGradient, d, batch * h);
        ws.PackedHiddenWeight[d] = PackWeight(ws, WeightPackCache.Kind.BackwardHidden, slot, ws.OwnHiddenPack[d], false, gh, h, HiddenWeight(ws, slot), h);
    }

    private void BackwardFinish(RecurrentWorkspace ws, int k, int d, ReadOnlySpan<float> x, int inSize,
        bool needDx, Span<float> dx, Span<float> dH0, Span<float> dC0, bool weightGradients)
    {
        var o = Options;
        var layout = ws.Layout;
        int h = o.HiddenSize, gh = o.GateCount * h, n = layout.TotalRows, batch = layout.Batch;
        int slot = k * o.NumDirections + d;
        var dG = ws.GateGradient[d].AsSpan(0, n * gh);
        AddState(layout, ws.StateGradient[d].AsSpan(0, batch * h), slot, h, dH0);
        if (o.Cell == RecurrentCellKind.Lstm)
        {
            AddState(layout, ws.CellGradient[d].AsSpan(0, batch * h), slot, h, dC0);
        }

        if (weightGradients)
        {
            WeightAndBiasGradients(ws, k, d, inSize);
        }
        if (needDx)
        {
            Gemm.Multiply(false, false, n, inSize, gh, dG, gh, Parameters.GetValues(_weightIh[slot]), inSize, dx, inSize, accumulate: true);
        }
        // The aliases of the saved gates are dropped (a later, larger batch gets new buffers; these must not keep the old).
        ws.HiddenGateGradient[d] = [];
        if (o.Cell != RecurrentCellKind.Gru)
        {
            ws.GateGradient[d] = [];
        }
    }

    private void WeightAndBiasGradients(RecurrentWorkspace ws, int k, int d, int inSize)
    {
        var o = Options;
        int h = o.HiddenSize, gh = o.GateCount * h, n = ws.Layout.TotalRows;
        int slot = k * o.NumDirections + d;
        int sw = SavedGateWidth;
        var dG = ws.GateGradient[d].AsSpan(0, n * gh);
        var dGh = ws.HiddenGateGradient[d].AsSpan(0, n * sw); // rows of stride sw (= gh but for GRU)
        // Weight gradients of all steps at once: dW_ih += dG^T x, dW_hh += dGh^T h_in (side by side when about the same size).
        ws.Work.Set(this, ws, k, d);
        ProductPair.Run(ws.Work, inSize, h);
        ws.Work.Clear();
        if (_biasIh[slot] is { } bIh)
        {
            // Column sums of all steps as ones^T dG (parallel, vectorised, in row order per KC block); for
            // LSTM and RNN dGh is dG, so one sum serves both biases.
            var ones = RecurrentWorkspace.Ensure(ref ws.Ones, n).AsSpan(0, n);
            ones.Fill(1f);
            var sums = RecurrentWorkspace.Ensure(ref ws.BiasGradient, gh).AsSpan(0, gh);
            Gemm.Multiply(false, false, 1, gh, n, ones, n, dG, gh, sums, gh, accumulate: false);
            var gIh = Parameters.GetGradients(bIh);
            TensorPrimitives.Add(gIh, sums, gIh);
            if (o.Cell == RecurrentCellKind.Gru)
            {
                Gemm.Multiply(false, false, 1, gh, n, ones, n, dGh, sw, sums, gh, accumulate: false);
            }
            var gHh = Parameters.GetGradients(_biasHh[slot]!);
            TensorPrimitives.Add(gHh, sums, gHh);
        }
    }

    /// <summary>dW_ih += dG^T x (input) or dW_hh += dGh^T h_in over all steps of direction d of layer k.</summary>
    internal void WeightGradient(RecurrentWorkspace ws, int k, int d, bool input)
    {
        var o = Options;
        int h = o.HiddenSize, gh = o.GateCount * h, n = ws.Layout.TotalRows, slot = k * o.NumDirections + d;
        if (input)
        {
            int inSize = k == 0 ? o.InputSize : o.NumDirections * h;
            ReadOnlySpan<float> x = k == 0 ? ws.InputPacked.AsSpan(0, n * inSize) : ws.LayerOutput[k - 1].AsSpan(0, n * inSize);
            Gemm.Multiply(true, false, gh, inSize, n, ws.GateGradient[d].AsSpan(0, n * gh), gh, x, inSize,
                Parameters.GetGradients(_weightIh[slot]), inSize, accumulate: true);
        }
        else
        {
            int sw = SavedGateWidth;
            var dGh = ws.HiddenGateGradient[d].AsSpan(0, n * sw); // rows of stride sw, over the saved gates
            var dW = Parameters.GetGradients(_weightHh[slot]);
            if (!ws.WeightDropoutUsed)
            {
                Gemm.Multiply(true, false, gh, h, n, dGh, sw, ws.HiddenIn[slot].AsSpan(0, n * h), h, dW, h, accumulate: true);
                return;
            }
            // DropConnect: the pass used W_hh * mask, so dLoss/dW_hh = mask * dLoss/d(W_hh * mask).
            var dMasked = RecurrentWorkspace.Ensure(ws.HiddenWeightGradient, d, gh * h).AsSpan(0, gh * h);
            Gemm.Multiply(true, false, gh, h, n, dGh, sw, ws.HiddenIn[slot].AsSpan(0, n * h), h, dMasked, h, accumulate: false);
            TensorPrimitives.MultiplyAdd(dMasked, ws.HiddenWeightMask[slot].AsSpan(0, gh * h), dW, dW);
        }
    }

    // (B, H) by rank -> added into (L*D, B, H) in batch order for one slot; nothing when the target is empty.
    private static void AddState(PackedLayout layout, ReadOnlySpan<float> state, int slot, int h, Span<float> target)
    {
        if (target.IsEmpty)
        {
            return;
        }
        int batch = layout.Batch;
        for (int b = 0; b < batch; b++)
        {
            var dst = target.Slice((slot * batch + b) * h, h);
            TensorPrimitives.Add(dst, state.Slice(layout.Rank[b] * h, h), dst);
        }
    }
}
