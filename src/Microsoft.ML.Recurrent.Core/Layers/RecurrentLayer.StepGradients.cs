using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Layers;

// Weight gradients of a layer run one step at a time, each step on its own workspace (a decoder with input feeding):
// the per-step backward passes leave them out (weightGradients: false) and this adds them for all steps at once, one
// product per weight with every step's rows, instead of one thin product per step that reads and writes the whole
// gradient matrix each time. Same sums in another order: the gradients may differ in the last bits.
public sealed partial class RecurrentLayer
{
    /// <summary>
    /// Whether <see cref="StepWeightGradients"/> can serve the last backward passes of these workspaces: LSTM and plain
    /// RNN cells (their gate gradients stay in each workspace's saved gates) without DropConnect on <c>W_hh</c>.
    /// </summary>
    internal bool CanBatchStepWeightGradients(IReadOnlyList<RecurrentWorkspace> steps, int count)
    {
        if (Options.Cell == RecurrentCellKind.Gru || Options.NumDirections != 1)
        {
            return false;
        }
        for (int i = 0; i < count; i++)
        {
            if (steps[i].WeightDropoutUsed)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Adds <c>dW_ih += dG^T x</c>, <c>dW_hh += dG^T h_in</c> and the bias gradients over the packed rows of the first
    /// <paramref name="count"/> workspaces, each after a backward pass with <c>weightGradients: false</c>. The scratch
    /// buffers grow as needed and are the caller's to keep.
    /// </summary>
    internal void StepWeightGradients(IReadOnlyList<RecurrentWorkspace> steps, int count, ref float[] gates, ref float[] inputs,
        ref float[] hidden, ref float[] ones)
    {
        var o = Options;
        int h = o.HiddenSize, gh = o.GateCount * h, n = 0;
        for (int i = 0; i < count; i++)
        {
            n += steps[i].Layout.TotalRows;
        }
        if (n == 0)
        {
            return;
        }
        for (int k = 0; k < o.NumLayers; k++)
        {
            int inSize = k == 0 ? o.InputSize : h;
            var dG = RecurrentWorkspace.Ensure(ref gates, n * gh).AsSpan(0, n * gh);
            var x = RecurrentWorkspace.Ensure(ref inputs, n * inSize).AsSpan(0, n * inSize);
            var hIn = RecurrentWorkspace.Ensure(ref hidden, n * h).AsSpan(0, n * h);
            int row = 0;
            foreach (var ws in steps.Take(count))
            {
                int rows = ws.Layout.TotalRows;
                ws.Gates[k].AsSpan(0, rows * gh).CopyTo(dG.Slice(row * gh));
                (k == 0 ? ws.InputPacked : ws.LayerOutput[k - 1]).AsSpan(0, rows * inSize).CopyTo(x.Slice(row * inSize));
                ws.HiddenIn[k].AsSpan(0, rows * h).CopyTo(hIn.Slice(row * h));
                row += rows;
            }
            Gemm.Multiply(true, false, gh, inSize, n, dG, gh, x, inSize, Parameters.GetGradients(_weightIh[k]), inSize, accumulate: true);
            Gemm.Multiply(true, false, gh, h, n, dG, gh, hIn, h, Parameters.GetGradients(_weightHh[k]), h, accumulate: true);
            if (_biasIh[k] is { } bIh)
            {
                var one = RecurrentWorkspace.Ensure(ref ones, n + gh).AsSpan(0, n);
                one.Fill(1f);
                var sums = ones.AsSpan(n, gh);
                Gemm.Multiply(false, false, 1, gh, n, one, n, dG, gh, sums, gh, accumulate: false);
                var gIh = Parameters.GetGradients(bIh);
                TensorPrimitives.Add(gIh, sums, gIh);
                var gHh = Parameters.GetGradients(_biasHh[k]!);
                TensorPrimitives.Add(gHh, sums, gHh);
            }
        }
    }
}
