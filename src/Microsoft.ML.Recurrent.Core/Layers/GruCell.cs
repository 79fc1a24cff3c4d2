using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// One GRU time step for a block of active rows (PyTorch gate order r, z, n; the reset gate multiplies
/// W_hn h + b_hn, after the hidden product). Forward and Backward are a pair.
/// </summary>
internal static class GruCell
{
    /// <summary>Saved values per row: r, z, n and hn = W_hn h + b_hn.</summary>
    public const int SavedPerHidden = 4;

    /// <summary>
    /// r = sig(xr + hr + bhr), z = sig(xz + hz + bhz), n = tanh(xn + r*(hn + bhn)), h' = (1-z)*n + z*h.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(
        ReadOnlySpan<float> xg,     // (rows, 3H) input projection incl. bias_ih
        ReadOnlySpan<float> hg,     // (rows, 3H) recurrent projection W_hh h, no bias
        ReadOnlySpan<float> bhh,    // (3H) or empty
        ReadOnlySpan<float> hPrev,  // (rows, H)
        int rows, int hidden,
        Span<float> saved,          // (rows, 4H) r, z, n, hn
        Span<float> hNew)           // (rows, H)
    {
        if (rows == 0 || hidden == 0)
        {
            return; // TensorPrimitives rejects empty spans; there is nothing to compute.
        }
        int g3 = 3 * hidden;
        int g4 = 4 * hidden;
        for (int r = 0; r < rows; r++)
        {
            var x = xg.Slice(r * g3, g3);
            var hgr = hg.Slice(r * g3, g3);
            var s = saved.Slice(r * g4, g4);
            var rz = s[..(2 * hidden)];
            var n = s.Slice(2 * hidden, hidden);
            var hn = s.Slice(3 * hidden, hidden);
            TensorPrimitives.Add(x[..(2 * hidden)], hgr[..(2 * hidden)], rz);
            hgr.Slice(2 * hidden, hidden).CopyTo(hn);
            if (!bhh.IsEmpty)
            {
                TensorPrimitives.Add(rz, bhh[..(2 * hidden)], rz);
                TensorPrimitives.Add(hn, bhh.Slice(2 * hidden, hidden), hn);
            }
            TensorPrimitives.Sigmoid(rz, rz);
            TensorPrimitives.FusedMultiplyAdd(rz[..hidden], hn, x.Slice(2 * hidden, hidden), n);
            TensorPrimitives.Tanh(n, n);
            // h' = n + z*(h - n)
            var z = rz.Slice(hidden, hidden);
            var h = hNew.Slice(r * hidden, hidden);
            TensorPrimitives.Subtract(hPrev.Slice(r * hidden, hidden), n, h);
            TensorPrimitives.FusedMultiplyAdd(z, h, n, h);
        }
    }

    /// <summary>
    /// From dh (gradient on h') to the pre-activation gradients of the input path (dGx) and of the hidden
    /// path (dGh, which differs in the n block by the factor r), and the direct part of the gradient on h.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(
        ReadOnlySpan<float> saved,  // (rows, 4H) r, z, n, hn
        ReadOnlySpan<float> hPrev,  // (rows, H)
        ReadOnlySpan<float> dh,     // (rows, H)
        int rows, int hidden,
        Span<float> dGx,            // (rows, 3H) out
        Span<float> dGh,            // (rows, 3H) out
        Span<float> dhPrevDirect)   // (rows, H) out: z * dh
    {
        int g3 = 3 * hidden;
        int g4 = 4 * hidden;
        var one = Vector256<float>.One;
        for (int row = 0; row < rows; row++)
        {
            var s = saved.Slice(row * g4, g4);
            var dx = dGx.Slice(row * g3, g3);
            var dhh = dGh.Slice(row * g3, g3);
            var hp = hPrev.Slice(row * hidden, hidden);
            var dhs = dh.Slice(row * hidden, hidden);
            var dd = dhPrevDirect.Slice(row * hidden, hidden);
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                // The same operations in the same order as the scalar tail below.
                for (; j + 8 <= hidden; j += 8)
                {
                    var r = Vector256.Create(s.Slice(j, 8));
                    var z = Vector256.Create(s.Slice(hidden + j, 8));
                    var n = Vector256.Create(s.Slice(2 * hidden + j, 8));
                    var hn = Vector256.Create(s.Slice(3 * hidden + j, 8));
                    var dhj = Vector256.Create(dhs.Slice(j, 8));
                    var dnPre = dhj * (one - z) * (one - n * n);
                    var dzPre = dhj * (Vector256.Create(hp.Slice(j, 8)) - n) * z * (one - z);
                    var drPre = dnPre * hn * r * (one - r);
                    drPre.CopyTo(dx.Slice(j, 8));
                    dzPre.CopyTo(dx.Slice(hidden + j, 8));
                    dnPre.CopyTo(dx.Slice(2 * hidden + j, 8));
                    drPre.CopyTo(dhh.Slice(j, 8));
                    dzPre.CopyTo(dhh.Slice(hidden + j, 8));
                    (dnPre * r).CopyTo(dhh.Slice(2 * hidden + j, 8));
                    (dhj * z).CopyTo(dd.Slice(j, 8));
                }
            }
            for (; j < hidden; j++)
            {
                float r = s[j], z = s[hidden + j], n = s[2 * hidden + j], hn = s[3 * hidden + j];
                float dhj = dhs[j];
                float dnPre = dhj * (1f - z) * (1f - n * n);
                float dzPre = dhj * (hp[j] - n) * z * (1f - z);
                float drPre = dnPre * hn * r * (1f - r);
                dx[j] = drPre;
                dx[hidden + j] = dzPre;
                dx[2 * hidden + j] = dnPre;
                dhh[j] = drPre;
                dhh[hidden + j] = dzPre;
                dhh[2 * hidden + j] = dnPre * r;
                dd[j] = dhj * z;
            }
        }
    }
}
