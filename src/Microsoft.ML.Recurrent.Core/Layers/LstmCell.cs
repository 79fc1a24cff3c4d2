using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// One LSTM time step for a block of active rows (PyTorch gate order i, f, g, o).
/// Forward and Backward are a pair with the same parameter names.
/// </summary>
internal static class LstmCell
{
    /// <summary>
    /// gates = act(xg + hg + bhh); c' = f*c + i*g; h' = o*tanh(c'). cNew may be the same memory as cPrev.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(
        ReadOnlySpan<float> xg,     // (rows, 4H) input projection incl. bias_ih
        ReadOnlySpan<float> hg,     // (rows, 4H) recurrent projection W_hh h, no bias
        ReadOnlySpan<float> bhh,    // (4H) or empty
        ReadOnlySpan<float> cPrev,  // (rows, H)
        int rows, int hidden,
        Span<float> gates,          // (rows, 4H) activations i, f, g, o
        Span<float> cNew,           // (rows, H)
        Span<float> tanhC,          // (rows, H) tanh(c'), saved for the backward pass
        Span<float> hNew)           // (rows, H)
    {
        if (rows == 0 || hidden == 0)
        {
            return; // TensorPrimitives rejects empty spans; there is nothing to compute.
        }
        int g4 = 4 * hidden;
        TensorPrimitives.Add(xg[..(rows * g4)], hg[..(rows * g4)], gates[..(rows * g4)]);
        for (int r = 0; r < rows; r++)
        {
            var row = gates.Slice(r * g4, g4);
            if (!bhh.IsEmpty)
            {
                TensorPrimitives.Add(row, bhh, row);
            }
            TensorPrimitives.Sigmoid(row[..(2 * hidden)], row[..(2 * hidden)]);
            TensorPrimitives.Tanh(row.Slice(2 * hidden, hidden), row.Slice(2 * hidden, hidden));
            TensorPrimitives.Sigmoid(row.Slice(3 * hidden, hidden), row.Slice(3 * hidden, hidden));
            var i = row[..hidden];
            var f = row.Slice(hidden, hidden);
            var g = row.Slice(2 * hidden, hidden);
            var o = row.Slice(3 * hidden, hidden);
            var c = cNew.Slice(r * hidden, hidden);
            var tc = tanhC.Slice(r * hidden, hidden);
            TensorPrimitives.Multiply(f, cPrev.Slice(r * hidden, hidden), c);
            TensorPrimitives.FusedMultiplyAdd(i, g, c, c);
            TensorPrimitives.Tanh(c, tc);
            TensorPrimitives.Multiply(o, tc, hNew.Slice(r * hidden, hidden));
        }
    }

    /// <summary>
    /// From dh (gradient on h') and dc (gradient on c' from later steps) to the pre-activation gate
    /// gradients; dc is replaced by the gradient on c (the previous cell state). Vector lanes and the
    /// scalar tail do the same multiplies and adds in the same order, so a value does not depend on its lane.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(
        ReadOnlySpan<float> gates,  // (rows, 4H) activations i, f, g, o
        ReadOnlySpan<float> cPrev,  // (rows, H)
        ReadOnlySpan<float> tanhC,  // (rows, H) tanh(c') from the forward pass
        ReadOnlySpan<float> dh,     // (rows, H)
        int rows, int hidden,
        Span<float> dc,             // (rows, H) in: dLoss/dc'; out: dLoss/dc
        Span<float> dGates)         // (rows, 4H) out: dLoss/d(pre-activation)
    {
        int g4 = 4 * hidden;
        var one = Vector256<float>.One;
        for (int r = 0; r < rows; r++)
        {
            var a = gates.Slice(r * g4, g4);
            var d = dGates.Slice(r * g4, g4);
            var cp = cPrev.Slice(r * hidden, hidden);
            var tcs = tanhC.Slice(r * hidden, hidden);
            var dhs = dh.Slice(r * hidden, hidden);
            var dcs = dc.Slice(r * hidden, hidden);
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; j + 8 <= hidden; j += 8)
                {
                    var i = Vector256.Create(a.Slice(j, 8));
                    var f = Vector256.Create(a.Slice(hidden + j, 8));
                    var g = Vector256.Create(a.Slice(2 * hidden + j, 8));
                    var o = Vector256.Create(a.Slice(3 * hidden + j, 8));
                    var tc = Vector256.Create(tcs.Slice(j, 8));
                    var dhj = Vector256.Create(dhs.Slice(j, 8));
                    var dct = Vector256.Create(dcs.Slice(j, 8)) + dhj * o * (one - tc * tc);
                    (dct * g * i * (one - i)).CopyTo(d.Slice(j, 8));
                    (dct * Vector256.Create(cp.Slice(j, 8)) * f * (one - f)).CopyTo(d.Slice(hidden + j, 8));
                    (dct * i * (one - g * g)).CopyTo(d.Slice(2 * hidden + j, 8));
                    (dhj * tc * o * (one - o)).CopyTo(d.Slice(3 * hidden + j, 8));
                    (dct * f).CopyTo(dcs.Slice(j, 8));
                }
            }
            for (; j < hidden; j++)
            {
                float i = a[j], f = a[hidden + j], g = a[2 * hidden + j], o = a[3 * hidden + j];
                float tc = tcs[j];
                float dhj = dhs[j];
                float dct = dcs[j] + dhj * o * (1f - tc * tc);
                d[j] = dct * g * i * (1f - i);
                d[hidden + j] = dct * cp[j] * f * (1f - f);
                d[2 * hidden + j] = dct * i * (1f - g * g);
                d[3 * hidden + j] = dhj * tc * o * (1f - o);
                dcs[j] = dct * f;
            }
        }
    }
}
