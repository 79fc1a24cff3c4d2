using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;
using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// One LSTM time step for a block of active rows (PyTorch gate order i, f, g, o).
/// Forward and Backward are a pair with the same parameter names.
/// </summary>
internal static class LstmCell
{
    /// <summary>
    /// gates = act(xg + hg + bhh); c' = f*c + i*g; h' = o*tanh(c'). cNew may be the same memory as cPrev.
    /// One pass per row over all four gates (sigmoid and tanh from <see cref="Activations"/>); vector lanes and the
    /// scalar tail compute the same operations in the same order, so a value does not depend on its lane.
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
        int g4 = 4 * hidden;
        if (rows == 0 || hidden == 0)
        {
            return;
        }
        // Checked in long (a wrapped product must not pass): the loop below reads and writes without bounds checks.
        long gateFloats = (long)rows * g4, stateFloats = (long)rows * hidden;
        SpanChecks.AtLeast(xg.Length, gateFloats, nameof(xg));
        SpanChecks.AtLeast(hg.Length, gateFloats, nameof(hg));
        SpanChecks.AtLeast(gates.Length, gateFloats, nameof(gates));
        SpanChecks.AtLeast(cPrev.Length, stateFloats, nameof(cPrev));
        SpanChecks.AtLeast(cNew.Length, stateFloats, nameof(cNew));
        SpanChecks.AtLeast(tanhC.Length, stateFloats, nameof(tanhC));
        SpanChecks.AtLeast(hNew.Length, stateFloats, nameof(hNew));
        bool bias = !bhh.IsEmpty;
        if (bias)
        {
            SpanChecks.AtLeast(bhh.Length, g4, nameof(bhh));
        }
        ref float bb = ref MemoryMarshal.GetReference(bhh);
        for (int r = 0; r < rows; r++)
        {
            ref float x = ref Unsafe.Add(ref MemoryMarshal.GetReference(xg), r * g4);
            ref float hp = ref Unsafe.Add(ref MemoryMarshal.GetReference(hg), r * g4);
            ref float a = ref Unsafe.Add(ref MemoryMarshal.GetReference(gates), r * g4);
            ref float cp = ref Unsafe.Add(ref MemoryMarshal.GetReference(cPrev), r * hidden);
            ref float cn = ref Unsafe.Add(ref MemoryMarshal.GetReference(cNew), r * hidden);
            ref float tc = ref Unsafe.Add(ref MemoryMarshal.GetReference(tanhC), r * hidden);
            ref float hn = ref Unsafe.Add(ref MemoryMarshal.GetReference(hNew), r * hidden);
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; j + 16 <= hidden; j += 16)
                {
                    var pi = Vector512.LoadUnsafe(ref x, (nuint)j) + Vector512.LoadUnsafe(ref hp, (nuint)j);
                    var pf = Vector512.LoadUnsafe(ref x, (nuint)(hidden + j)) + Vector512.LoadUnsafe(ref hp, (nuint)(hidden + j));
                    var pg = Vector512.LoadUnsafe(ref x, (nuint)(2 * hidden + j)) + Vector512.LoadUnsafe(ref hp, (nuint)(2 * hidden + j));
                    var po = Vector512.LoadUnsafe(ref x, (nuint)(3 * hidden + j)) + Vector512.LoadUnsafe(ref hp, (nuint)(3 * hidden + j));
                    if (bias)
                    {
                        pi += Vector512.LoadUnsafe(ref bb, (nuint)j);
                        pf += Vector512.LoadUnsafe(ref bb, (nuint)(hidden + j));
                        pg += Vector512.LoadUnsafe(ref bb, (nuint)(2 * hidden + j));
                        po += Vector512.LoadUnsafe(ref bb, (nuint)(3 * hidden + j));
                    }
                    var i = Activations.Sigmoid(pi);
                    var f = Activations.Sigmoid(pf);
                    var g = Activations.Tanh(pg);
                    var o = Activations.Sigmoid(po);
                    i.StoreUnsafe(ref a, (nuint)j);
                    f.StoreUnsafe(ref a, (nuint)(hidden + j));
                    g.StoreUnsafe(ref a, (nuint)(2 * hidden + j));
                    o.StoreUnsafe(ref a, (nuint)(3 * hidden + j));
                    var c = Vector512.FusedMultiplyAdd(i, g, f * Vector512.LoadUnsafe(ref cp, (nuint)j));
                    var t = Activations.Tanh(c);
                    c.StoreUnsafe(ref cn, (nuint)j);
                    t.StoreUnsafe(ref tc, (nuint)j);
                    (o * t).StoreUnsafe(ref hn, (nuint)j);
                }
            }
            if (Vector256.IsHardwareAccelerated)
            {
                for (; j + 8 <= hidden; j += 8)
                {
                    var pi = Vector256.LoadUnsafe(ref x, (nuint)j) + Vector256.LoadUnsafe(ref hp, (nuint)j);
                    var pf = Vector256.LoadUnsafe(ref x, (nuint)(hidden + j)) + Vector256.LoadUnsafe(ref hp, (nuint)(hidden + j));
                    var pg = Vector256.LoadUnsafe(ref x, (nuint)(2 * hidden + j)) + Vector256.LoadUnsafe(ref hp, (nuint)(2 * hidden + j));
                    var po = Vector256.LoadUnsafe(ref x, (nuint)(3 * hidden + j)) + Vector256.LoadUnsafe(ref hp, (nuint)(3 * hidden + j));
                    if (bias)
                    {
                        pi += Vector256.LoadUnsafe(ref bb, (nuint)j);
                        pf += Vector256.LoadUnsafe(ref bb, (nuint)(hidden + j));
                        pg += Vector256.LoadUnsafe(ref bb, (nuint)(2 * hidden + j));
                        po += Vector256.LoadUnsafe(ref bb, (nuint)(3 * hidden + j));
                    }
                    var i = Activations.Sigmoid(pi);
                    var f = Activations.Sigmoid(pf);
                    var g = Activations.Tanh(pg);
                    var o = Activations.Sigmoid(po);
                    i.StoreUnsafe(ref a, (nuint)j);
                    f.StoreUnsafe(ref a, (nuint)(hidden + j));
                    g.StoreUnsafe(ref a, (nuint)(2 * hidden + j));
                    o.StoreUnsafe(ref a, (nuint)(3 * hidden + j));
                    var c = Vector256.FusedMultiplyAdd(i, g, f * Vector256.LoadUnsafe(ref cp, (nuint)j));
                    var t = Activations.Tanh(c);
                    c.StoreUnsafe(ref cn, (nuint)j);
                    t.StoreUnsafe(ref tc, (nuint)j);
                    (o * t).StoreUnsafe(ref hn, (nuint)j);
                }
            }
            for (; j < hidden; j++)
            {
                float pi = Unsafe.Add(ref x, j) + Unsafe.Add(ref hp, j);
                float pf = Unsafe.Add(ref x, hidden + j) + Unsafe.Add(ref hp, hidden + j);
                float pg = Unsafe.Add(ref x, 2 * hidden + j) + Unsafe.Add(ref hp, 2 * hidden + j);
                float po = Unsafe.Add(ref x, 3 * hidden + j) + Unsafe.Add(ref hp, 3 * hidden + j);
                if (bias)
                {
                    pi += Unsafe.Add(ref bb, j);
                    pf += Unsafe.Add(ref bb, hidden + j);
                    pg += Unsafe.Add(ref bb, 2 * hidden + j);
                    po += Unsafe.Add(ref bb, 3 * hidden + j);
                }
                float i = Activations.Sigmoid(pi);
                float f = Activations.Sigmoid(pf);
                float g = Activations.Tanh(pg);
                float o = Activations.Sigmoid(po);
                Unsafe.Add(ref a, j) = i;
                Unsafe.Add(ref a, hidden + j) = f;
                Unsafe.Add(ref a, 2 * hidden + j) = g;
                Unsafe.Add(ref a, 3 * hidden + j) = o;
                float c = MathF.FusedMultiplyAdd(i, g, f * Unsafe.Add(ref cp, j));
                float t = Activations.Tanh(c);
                Unsafe.Add(ref cn, j) = c;
                Unsafe.Add(ref tc, j) = t;
                Unsafe.Add(ref hn, j) = o * t;
            }
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
