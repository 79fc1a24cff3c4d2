using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;
using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>One vanilla RNN time step (tanh or ReLU) for a block of active rows. Forward and Backward are a pair.</summary>
internal static class RnnCell
{
    /// <summary>h' = act(xg + hg + bhh).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(
        ReadOnlySpan<float> xg,     // (rows, H) input projection incl. bias_ih
        ReadOnlySpan<float> hg,     // (rows, H) recurrent projection, no bias
        ReadOnlySpan<float> bhh,    // (H) or empty
        bool relu,
        int rows, int hidden,
        Span<float> hNew)           // (rows, H)
    {
        if (rows == 0 || hidden == 0)
        {
            return; // TensorPrimitives rejects empty spans; there is nothing to compute.
        }
        long floats = (long)rows * hidden;
        SpanChecks.AtLeast(xg.Length, floats, nameof(xg));
        SpanChecks.AtLeast(hg.Length, floats, nameof(hg));
        SpanChecks.AtLeast(hNew.Length, floats, nameof(hNew));
        int n = (int)floats;
        TensorPrimitives.Add(xg[..n], hg[..n], hNew[..n]);
        if (!bhh.IsEmpty)
        {
            for (int r = 0; r < rows; r++)
            {
                var row = hNew.Slice(r * hidden, hidden);
                TensorPrimitives.Add(row, bhh, row);
            }
        }
        if (relu)
        {
            // max(0, v) that keeps NaN: TensorPrimitives.Max propagates NaN.
            TensorPrimitives.Max(hNew[..n], 0f, hNew[..n]);
        }
        else
        {
            Tanh(hNew[..n]);
        }
    }

    // In place, with the same tanh as the LSTM and GRU kernels (lanes and tail alike).
    private static void Tanh(Span<float> values)
    {
        ref float v = ref MemoryMarshal.GetReference(values);
        int n = values.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= n; i += 16)
            {
                Activations.Tanh(Vector512.LoadUnsafe(ref v, (nuint)i)).StoreUnsafe(ref v, (nuint)i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= n; i += 8)
            {
                Activations.Tanh(Vector256.LoadUnsafe(ref v, (nuint)i)).StoreUnsafe(ref v, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            Unsafe.Add(ref v, i) = Activations.Tanh(Unsafe.Add(ref v, i));
        }
    }

    /// <summary>dGates = dh * act'(pre), computed from the activation h'.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(
        ReadOnlySpan<float> hNew,   // (rows, H)
        ReadOnlySpan<float> dh,     // (rows, H)
        bool relu,
        int rows, int hidden,
        Span<float> dGates)         // (rows, H) out
    {
        int n = rows * hidden;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var one = Vector256<float>.One;
            for (; i + 8 <= n; i += 8)
            {
                var h = Vector256.Create(hNew.Slice(i, 8));
                var d = Vector256.Create(dh.Slice(i, 8));
                var result = relu ? Vector256.ConditionalSelect(Vector256.GreaterThan(h, Vector256<float>.Zero), d, Vector256<float>.Zero) : d * (one - h * h);
                result.CopyTo(dGates.Slice(i, 8));
            }
        }
        for (; i < n; i++)
        {
            float h = hNew[i];
            dGates[i] = relu ? (h > 0f ? dh[i] : 0f) : dh[i] * (1f - h * h);
        }
    }
}
