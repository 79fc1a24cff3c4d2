using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;
using Microsoft.ML.Recurrent.Engine;

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
    /// One pass per row (sigmoid and tanh from <see cref="Activations"/>); vector lanes and the scalar tail compute
    /// the same operations in the same order. hNew may not overlap hPrev.
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
        int g3 = 3 * hidden;
        int g4 = 4 * hidden;
        if (rows == 0 || hidden == 0)
        {
            return;
        }
        // Checked in long (a wrapped product must not pass): the loop below reads and writes without bounds checks.
        SpanChecks.AtLeast(xg.Length, (long)rows * g3, nameof(xg));
        SpanChecks.AtLeast(hg.Length, (long)rows * g3, nameof(hg));
        SpanChecks.AtLeast(saved.Length, (long)rows * g4, nameof(saved));
        SpanChecks.AtLeast(hPrev.Length, (long)rows * hidden, nameof(hPrev));
        SpanChecks.AtLeast(hNew.Length, (long)rows * hidden, nameof(hNew));
        bool bias = !bhh.IsEmpty;
        if (bias)
        {
            SpanChecks.AtLeast(bhh.Length, g3, nameof(bhh));
        }
        ref float bb = ref MemoryMarshal.GetReference(bhh);
        for (int row = 0; row < rows; row++)
        {
            ref float x = ref Unsafe.Add(ref MemoryMarshal.GetReference(xg), row * g3);
            ref float hp = ref Unsafe.Add(ref MemoryMarshal.GetReference(hg), row * g3);
            ref float sv = ref Unsafe.Add(ref MemoryMarshal.GetReference(saved), row * g4);
            ref float hprev = ref Unsafe.Add(ref MemoryMarshal.GetReference(hPrev), row * hidden);
            ref float hnew = ref Unsafe.Add(ref MemoryMarshal.GetReference(hNew), row * hidden);
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; j + 16 <= hidden; j += 16)
                {
                    var pr = Vector512.LoadUnsafe(ref x, (nuint)j) + Vector512.LoadUnsafe(ref hp, (nuint)j);
                    var pz = Vector512.LoadUnsafe(ref x, (nuint)(hidden + j)) + Vector512.LoadUnsafe(ref hp, (nuint)(hidden + j));
                    var hn = Vector512.LoadUnsafe(ref hp, (nuint)(2 * hidden + j));
                    if (bias)
                    {
                        pr += Vector512.LoadUnsafe(ref bb, (nuint)j);
                        pz += Vector512.LoadUnsafe(ref bb, (nuint)(hidden + j));
                        hn += Vector512.LoadUnsafe(ref bb, (nuint)(2 * hidden + j));
                    }
                    var r = Activations.Sigmoid(pr);
                    var z = Activations.Sigmoid(pz);
                    var n = Activations.Tanh(Vector512.FusedMultiplyAdd(r, hn, Vector512.LoadUnsafe(ref x, (nuint)(2 * hidden + j))));
                    r.StoreUnsafe(ref sv, (nuint)j);
                    z.StoreUnsafe(ref sv, (nuint)(hidden + j));
                    n.StoreUnsafe(ref sv, (nuint)(2 * hidden + j));
                    hn.StoreUnsafe(ref sv, (nuint)(3 * hidden + j));
                    Vector512.FusedMultiplyAdd(z, Vector512.LoadUnsafe(ref hprev, (nuint)j) - n, n).StoreUnsafe(ref hnew, (nuint)j);
                }
            }
            if (Vector256.IsHardwareAccelerated)
            {
                for (; j + 8 <= hidden; j += 8)
                {
                    var pr = Vector256.LoadUnsafe(ref x, (nuint)j) + Vector256.LoadUnsafe(ref hp, (nuint)j);
                    var pz = Vector256.LoadUnsafe(ref x, (nuint)(hidden + j)) + Vector256.LoadUnsafe(ref hp, (nuint)(hidden + j));
                    var hn = Vector256.LoadUnsafe(ref hp, (nuint)(2 * hidden + j));
                    if (bias)
                    {
                        pr += Vector256.LoadUnsafe(ref bb, (nuint)j);
                        pz += Vector256.LoadUnsafe(ref bb, (nuint)(hidden + j));
                        hn += Vector256.LoadUnsafe(ref bb, (nuint)(2 * hidden + j));
                    }
                    var r = Activations.Sigmoid(pr);
                    var z = Activations.Sigmoid(pz);
                    var n = Activations.Tanh(Vector256.FusedMultiplyAdd(r, hn, Vector256.LoadUnsafe(ref x, (nuint)(2 * hidden + j))));
                    r.StoreUnsafe(ref sv, (nuint)j);
                    z.StoreUnsafe(ref sv, (nuint)(hidden + j));
                    n.StoreUnsafe(ref sv, (nuint)(2 * hidden + j));
                    hn.StoreUnsafe(ref sv, (nuint)(3 * hidden + j));
                    Vector256.FusedMultiplyAdd(z, Vector256.LoadUnsafe(ref hprev, (nuint)j) - n, n).StoreUnsafe(ref hnew, (nuint)j);
                }
            }
            for (; j < hidden; j++)
            {
                float pr = Unsafe.Add(ref x, j) + Unsafe.Add(ref hp, j);
                float pz = Unsafe.Add(ref x, hidden + j) + Unsafe.Add(ref hp, hidden + j);
                float hn = Unsafe.Add(ref hp, 2 * hidden + j);
                if (bias)
                {
                    pr += Unsafe.Add(ref bb, j);
                    pz += Unsafe.Add(ref bb, hidden + j);
                    hn += Unsafe.Add(ref bb, 2 * hidden + j);
                }
                float r = Activations.Sigmoid(pr);
                float z = Activations.Sigmoid(pz);
                float n = Activations.Tanh(MathF.FusedMultiplyAdd(r, hn, Unsafe.Add(ref x, 2 * hidden + j)));
                Unsafe.Add(ref sv, j) = r;
                Unsafe.Add(ref sv, hidden + j) = z;
                Unsafe.Add(ref sv, 2 * hidden + j) = n;
                Unsafe.Add(ref sv, 3 * hidden + j) = hn;
                Unsafe.Add(ref hnew, j) = MathF.FusedMultiplyAdd(z, Unsafe.Add(ref hprev, j) - n, n);
            }
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
