using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Engine.Scheduling;

namespace Microsoft.ML.Recurrent.Layers;

// One time step of some ranks, forward and backward: the equations of the layer. Which thread runs which ranks of which
// step is the engine's choice (Engine/Scheduling, docs/engine.md); rank r's row of step t reads only rank r's state, so
// the result of each row does not depend on it. Ranks [firstRank, endRank) are contiguous rows of the packed batch.
public sealed partial class RecurrentLayer
{
    // Multiply-adds of one row's recurrent product h W_hh^T: (1, H) x (H, G*H).
    private long RowWork => (long)Options.GateCount * Options.HiddenSize * Options.HiddenSize;

    /// <summary>Cuts the ranks of the current batch into slices for the pool's threads (<see cref="SlicePlan"/>).</summary>
    internal void PlanSlices(RecurrentWorkspace ws) => ws.Slices.Plan(ws.Layout.Ranks, RowWork, Options.NumDirections, ws.Scheduling);

    /// <summary>Runs the time loops of every direction and slice of layer <paramref name="layer"/> (<see cref="TimeLoopScheduler"/>).</summary>
    private void RunLoops(RecurrentWorkspace ws, int layer, bool backward)
    {
        ws.Work.Set(this, ws, layer);
        ws.Loops.Run(ws.Work, ws.Layout.Ranks, ws.Slices, Options.NumDirections, RowWork, backward, ws.ProjectInBlocks, ws.Scheduling);
        ws.Work.Clear();
    }

    /// <summary>Forward step of ranks [firstRank, endRank) at <paramref name="time"/>, from the input projection of every row.</summary>
    internal void ForwardStep(RecurrentWorkspace ws, int layer, int direction, int time, int firstRank, int endRank)
    {
        int gh = Options.GateCount * Options.HiddenSize;
        int packedRow = ws.Layout.Offsets[time] + firstRank;
        var xg = ws.InputProjection[direction].AsSpan(packedRow * gh, (endRank - firstRank) * gh);
        ForwardRows(ws, layer, direction, time, firstRank, endRank, xg);
    }

    /// <summary>
    /// Forward loop steps [firstStep, endStep) of ranks [firstRank, endRank): their input projection into the block of
    /// loop <paramref name="buffer"/> (<see cref="ProjectSteps"/>), then each step's active ranks from it.
    /// </summary>
    internal void ForwardBlock(RecurrentWorkspace ws, int layer, int direction, int buffer, int firstStep, int endStep,
        int firstRank, int endRank, int rows)
    {
        var layout = ws.Layout;
        int gh = Options.GateCount * Options.HiddenSize, steps = layout.MaxLength;
        ProjectSteps(ws, layer, direction, buffer, firstStep, endStep, firstRank, endRank, rows);
        var projected = ws.SliceProjection[buffer];
        int offset = 0; // rows of the block used by the steps before
        for (int step = firstStep; step < endStep; step++)
        {
            int time = TimeOrder.TimeOf(steps, direction, backward: false, step);
            int activeEnd = Math.Min(endRank, layout.Active[time]);
            if (activeEnd > firstRank)
            {
                ForwardRows(ws, layer, direction, time, firstRank, activeEnd, projected.AsSpan(offset * gh, (activeEnd - firstRank) * gh));
                offset += activeEnd - firstRank;
            }
        }
    }

    /// <summary>
    /// The input projection of ranks [firstRank, endRank) in the direction's loop steps [firstStep, endStep) (in its time
    /// order; <paramref name="rows"/> in all) into the block of loop <paramref name="buffer"/>, (rows, G*H), from the packed
    /// input: read in place when those rows follow each other there, else gathered first. W_ih^T is packed by
    /// <see cref="ForwardPrepare"/>; each row is bit-identical to the one GEMM of every row.
    /// </summary>
    private void ProjectSteps(RecurrentWorkspace ws, int layer, int direction, int buffer, int firstStep, int endStep,
        int firstRank, int endRank, int rows)
    {
        var o = Options;
        var layout = ws.Layout;
        int gh = o.GateCount * o.HiddenSize, inSize = layer == 0 ? o.InputSize : o.NumDirections * o.HiddenSize, steps = layout.MaxLength;
        ReadOnlySpan<float> x = layer == 0 ? ws.InputPacked : ws.LayerOutput[layer - 1]; // (N, in)
        int start = -1, next = -1; // first packed row of the block, and the row after the last so far
        bool inPlace = true;
        for (int step = firstStep; step < endStep && inPlace; step++)
        {
            int time = TimeOrder.TimeOf(steps, direction, backward: false, step);
            int activeEnd = Math.Min(endRank, layout.Active[time]);
            if (activeEnd > firstRank)
            {
                int packedRow = layout.Offsets[time] + firstRank;
                inPlace = start < 0 || packedRow == next;
                start = start < 0 ? packedRow : start;
                next = packedRow + activeEnd - firstRank;
            }
        }
        ReadOnlySpan<float> source;
        if (inPlace)
        {
            source = x.Slice(start * inSize, rows * inSize);
        }
        else
        {
            var scratch = ws.SliceInput[buffer];
            int gathered = 0;
            for (int step = firstStep; step < endStep; step++)
            {
                int time = TimeOrder.TimeOf(steps, direction, backward: false, step);
                int stepRows = Math.Min(endRank, layout.Active[time]) - firstRank;
                if (stepRows > 0)
                {
                    x.Slice((layout.Offsets[time] + firstRank) * inSize, stepRows * inSize).CopyTo(scratch.AsSpan(gathered * inSize));
                    gathered += stepRows;
                }
            }
            source = scratch.AsSpan(0, rows * inSize);
        }
        float[] bias = ws.ProjectionBias[direction];
        Gemm.MultiplyPacked(rows, source, inSize, ws.PackedInputWeight[direction], ws.SliceProjection[buffer].AsSpan(0, rows * gh), gh,
            accumulate: false, bias.Length == 0 ? default : bias.AsSpan(0, gh));
    }

    /// <summary>
    /// Ranks [firstRank, endRank) of step <paramref name="time"/>: h_in, the recurrent product hg = h_in W_hh^T, the cell,
    /// the output. <paramref name="xg"/> (rows, G*H) is their input projection x W_ih^T + biases.
    /// </summary>
    internal void ForwardRows(RecurrentWorkspace ws, int layer, int direction, int time, int firstRank, int endRank, ReadOnlySpan<float> xg)
    {
        var o = Options;
        int h = o.HiddenSize, gh = o.GateCount * h, dh = o.NumDirections * h;
        int slot = layer * o.NumDirections + direction;
        int rows = endRank - firstRank, packedRow = ws.Layout.Offsets[time] + firstRank;
        int savedRow = ws.KeepActivations ? packedRow : firstRank; // this step's packed rows, or the one reused step buffer
        int savedWidth = SavedGateWidth;
        var state = ws.State[direction].AsSpan(firstRank * h, rows * h);                 // (rows, H) h, then h'
        var hin = ws.HiddenIn[slot].AsSpan(savedRow * h, rows * h);                       // (rows, H)
        state.CopyTo(hin);
        var hg = ws.HiddenProjection[direction].AsSpan(firstRank * gh, rows * gh);       // (rows, G*H)
        Gemm.MultiplyPacked(rows, hin, h, ws.PackedHiddenWeight[direction], hg, gh, accumulate: false);
        var saved = ws.Gates[slot].AsSpan(savedRow * savedWidth, rows * savedWidth);      // (rows, saved gate width)
        switch (o.Cell)
        {
            case RecurrentCellKind.Lstm:
                // bias_hh is already in xg (added with bias_ih before the loop).
                var cell = ws.CellState[direction].AsSpan(firstRank * h, rows * h);      // (rows, H) c, then c'
                cell.CopyTo(ws.CellIn[slot].AsSpan(savedRow * h, rows * h));
                LstmCell.Forward(xg, hg, default, ws.CellIn[slot].AsSpan(savedRow * h, rows * h), rows, h, saved, cell,
                    ws.CellOut[slot].AsSpan(savedRow * h, rows * h), state);
                break;
            case RecurrentCellKind.Gru:
                GruCell.Forward(xg, hg, Bias(_biasHh[slot]), hin, rows, h, saved, state);
                break;
            default:
                RnnCell.Forward(xg, hg, default, o.Cell == RecurrentCellKind.RnnRelu, rows, h, saved);
                saved.CopyTo(state);
                break;
        }
        var y = ws.LayerOutput[layer].AsSpan(); // (N, D*H): this direction's half of each row
        for (int r = 0; r < rows; r++)
        {
            state.Slice(r * h, h).CopyTo(y.Slice((packedRow + r) * dh + direction * h, h));
        }
    }

    /// <summary>
    /// Ranks [firstRank, endRank) of step <paramref name="time"/> backward: dh = dState + dY, the cell backward to the gate
    /// gradients dG, then dState = dGh W_hh for the step before.
    /// </summary>
    internal void BackwardRows(RecurrentWorkspace ws, int layer, int direction, int time, int firstRank, int endRank)
    {
        var o = Options;
        int h = o.HiddenSize, gh = o.GateCount * h, dh = o.NumDirections * h;
        int slot = layer * o.NumDirections + direction;
        int rows = endRank - firstRank, packedRow = ws.Layout.Offsets[time] + firstRank;
        int savedWidth = SavedGateWidth;
        var dState = ws.StateGradient[direction].AsSpan(firstRank * h, rows * h);         // (rows, H) from the step after
        var dhRows = ws.StepGradient[direction].AsSpan(firstRank * h, rows * h);          // (rows, H)
        var dY = ws.LayerGradient.AsSpan();                                               // (N, D*H)
        for (int r = 0; r < rows; r++)
        {
            TensorPrimitives.Add(dState.Slice(r * h, h), dY.Slice((packedRow + r) * dh + direction * h, h), dhRows.Slice(r * h, h));
        }
        var saved = ws.Gates[slot].AsSpan(packedRow * savedWidth, rows * savedWidth);
        // (rows, G*H) over the saved gates (stride savedWidth = G*H), which the cell reads before it writes (in place);
        // GRU: dG in its own buffer, dGh over the saved gates with their stride 4H.
        var dGh = ws.HiddenGateGradient[direction].AsSpan(packedRow * savedWidth, rows * savedWidth);
        var dG = o.Cell == RecurrentCellKind.Gru ? ws.GateGradient[direction].AsSpan(packedRow * gh, rows * gh) : dGh;
        bool accumulate = false;
        switch (o.Cell)
        {
            case RecurrentCellKind.Lstm:
                LstmCell.Backward(saved, ws.CellIn[slot].AsSpan(packedRow * h, rows * h), ws.CellOut[slot].AsSpan(packedRow * h, rows * h),
                    dhRows, rows, h, ws.CellGradient[direction].AsSpan(firstRank * h, rows * h), dG);
                break;
            case RecurrentCellKind.Gru:
                GruCell.Backward(saved, ws.HiddenIn[slot].AsSpan(packedRow * h, rows * h), dhRows, rows, h, dG, dGh, savedWidth, dState);
                accumulate = true;
                break;
            default:
                RnnCell.Backward(saved, dhRows, o.Cell == RecurrentCellKind.RnnRelu, rows, h, dG);
                break;
        }
        Gemm.MultiplyPacked(rows, dGh, savedWidth, ws.PackedHiddenWeight[direction], dState, h, accumulate);
    }
}
