using System.Numerics.Tensors;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// One LSTM time step for a block of active rows (PyTorch gate order i, f, g, o).
/// Forward and Backward are a pair with the same parameter names.
/// </summary>
internal static class LstmCell
{
    /// <summary>
    /// gates = act(xg + hg + bhh); c' = f*c + i*g; h' = o*tanh(c').
    /// </summary>
    public static void Forward(
        ReadOnlySpan<float> xg,     // (rows, 4H) input projection incl. bias_ih
        ReadOnlySpan<float> hg,     // (rows, 4H) recurrent projection W_hh h, no bias
        ReadOnlySpan<float> bhh,    // (4H) or empty
        ReadOnlySpan<float> cPrev,  // (rows, H)
        int rows, int hidden,
        Span<float> gates,          // (rows, 4H) activations i, f, g, o
        Span<float> cNew,           // (rows, H)
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
            var h = hNew.Slice(r * hidden, hidden);
            TensorPrimitives.Multiply(f, cPrev.Slice(r * hidden, hidden), c);
            TensorPrimitives.FusedMultiplyAdd(i, g, c, c);
            TensorPrimitives.Tanh(c, h);
            TensorPrimitives.Multiply(o, h, h);
        }
    }

    /// <summary>
    /// From dh (gradient on h') and dc (gradient on c' from later steps) to the pre-activation gate
    /// gradients; dc is replaced by the gradient on c (the previous cell state).
    /// </summary>
    public static void Backward(
        ReadOnlySpan<float> gates,  // (rows, 4H) activations i, f, g, o
        ReadOnlySpan<float> cPrev,  // (rows, H)
        ReadOnlySpan<float> cNew,   // (rows, H)
        ReadOnlySpan<float> dh,     // (rows, H)
        int rows, int hidden,
        Span<float> dc,             // (rows, H) in: dLoss/dc'; out: dLoss/dc
        Span<float> dGates)         // (rows, 4H) out: dLoss/d(pre-activation)
    {
        if (rows == 0 || hidden == 0)
        {
            return; // TensorPrimitives rejects empty spans; there is nothing to compute.
        }
        int g4 = 4 * hidden;
        for (int r = 0; r < rows; r++)
        {
            var a = gates.Slice(r * g4, g4);
            var d = dGates.Slice(r * g4, g4);
            int s = r * hidden;
            for (int j = 0; j < hidden; j++)
            {
                float i = a[j], f = a[hidden + j], g = a[2 * hidden + j], o = a[3 * hidden + j];
                float tc = MathF.Tanh(cNew[s + j]);
                float dhj = dh[s + j];
                float dct = dc[s + j] + dhj * o * (1f - tc * tc);
                d[j] = dct * g * i * (1f - i);
                d[hidden + j] = dct * cPrev[s + j] * f * (1f - f);
                d[2 * hidden + j] = dct * i * (1f - g * g);
                d[3 * hidden + j] = dhj * tc * o * (1f - o);
                dc[s + j] = dct * f;
            }
        }
    }
}
