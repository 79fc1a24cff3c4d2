using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// One GRU time step for a block of active rows (PyTorch gate order r, z, n; the reset gate multiplies
/// W_hn h + b_hn, after the hidden product). Forward and Backward are a pair; each is one
/// <see cref="IRowKernel{TSelf}"/> body, written once and run by <see cref="RowLoop"/> at every width.
/// </summary>
internal static class GruCell
{
    /// <summary>Saved values per row: r, z, n and hn = W_hn h + b_hn.</summary>
    public const int SavedPerHidden = 4;

    /// <summary>
    /// r = sig(xr + hr + bhr), z = sig(xz + hz + bhz), n = tanh(xn + r*(hn + bhn)), h' = (1-z)*n + z*h.
    /// One pass per row (sigmoid and tanh from <see cref="Activations"/>). hNew may not overlap hPrev.
    /// </summary>
    public static void Forward(
        ReadOnlySpan<float> xg,     // (rows, 3H) input projection incl. bias_ih
        ReadOnlySpan<float> hg,     // (rows, 3H) recurrent projection W_hh h, no bias
        ReadOnlySpan<float> bhh,    // (3H) or empty
        ReadOnlySpan<float> hPrev,  // (rows, H)
        int rows, int hidden,
        Span<float> saved,          // (rows, 4H) r, z, n, hn
        Span<float> hNew,           // (rows, H)
        VectorWidth widest = VectorWidth.Vector512)
    {
        if (rows == 0 || hidden == 0)
        {
            return;
        }
        // Checked in long (a wrapped product must not pass): the kernel reads and writes without bounds checks.
        SpanChecks.AtLeast(xg.Length, (long)rows * 3 * hidden, nameof(xg));
        SpanChecks.AtLeast(hg.Length, (long)rows * 3 * hidden, nameof(hg));
        SpanChecks.AtLeast(saved.Length, (long)rows * SavedPerHidden * hidden, nameof(saved));
        SpanChecks.AtLeast(hPrev.Length, (long)rows * hidden, nameof(hPrev));
        SpanChecks.AtLeast(hNew.Length, (long)rows * hidden, nameof(hNew));
        if (!bhh.IsEmpty)
        {
            SpanChecks.AtLeast(bhh.Length, 3L * hidden, nameof(bhh));
        }
        RowLoop.Run(new ForwardKernel(xg, hg, bhh, hPrev, hidden, saved, hNew), rows, hidden, widest);
    }

    /// <summary>
    /// From dh (gradient on h') to the pre-activation gradients of the input path (dGx) and of the hidden
    /// path (dGh, which differs in the n block by the factor r), and the direct part of the gradient on h.
    /// </summary>
    public static void Backward(
        ReadOnlySpan<float> saved,  // (rows, 4H) r, z, n, hn
        ReadOnlySpan<float> hPrev,  // (rows, H)
        ReadOnlySpan<float> dh,     // (rows, H)
        int rows, int hidden,
        Span<float> dGx,            // (rows, 3H) out
        Span<float> dGh,            // (rows, 3H) out, rows dGhStride apart; may be the memory of saved (read before written)
        int dGhStride,              // at least 3H
        Span<float> dhPrevDirect,   // (rows, H) out: z * dh
        VectorWidth widest = VectorWidth.Vector512)
    {
        if (rows == 0 || hidden == 0)
        {
            return;
        }
        SpanChecks.AtLeast(saved.Length, (long)rows * SavedPerHidden * hidden, nameof(saved));
        SpanChecks.AtLeast(hPrev.Length, (long)rows * hidden, nameof(hPrev));
        SpanChecks.AtLeast(dh.Length, (long)rows * hidden, nameof(dh));
        SpanChecks.AtLeast(dGx.Length, (long)rows * 3 * hidden, nameof(dGx));
        SpanChecks.Matrix(dGh.Length, rows, 3 * hidden, dGhStride, nameof(dGh));
        SpanChecks.AtLeast(dhPrevDirect.Length, (long)rows * hidden, nameof(dhPrevDirect));
        RowLoop.Run(new BackwardKernel(saved, hPrev, dh, hidden, dGx, dGh, dGhStride, dhPrevDirect), rows, hidden, widest);
    }

    private readonly ref struct ForwardKernel : IRowKernel<ForwardKernel>
    {
        private readonly ref float _xg, _hg, _bhh, _hPrev, _saved, _hNew;
        private readonly int _hidden;
        private readonly bool _bias;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ForwardKernel(ReadOnlySpan<float> xg, ReadOnlySpan<float> hg, ReadOnlySpan<float> bhh, ReadOnlySpan<float> hPrev, int hidden,
            Span<float> saved, Span<float> hNew)
            : this(ref MemoryMarshal.GetReference(xg), ref MemoryMarshal.GetReference(hg), ref MemoryMarshal.GetReference(bhh),
                ref MemoryMarshal.GetReference(hPrev), ref MemoryMarshal.GetReference(saved), ref MemoryMarshal.GetReference(hNew), hidden, !bhh.IsEmpty)
        {
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private ForwardKernel(ref float xg, ref float hg, ref float bhh, ref float hPrev, ref float saved, ref float hNew, int hidden, bool bias)
        {
            _xg = ref xg;
            _hg = ref hg;
            _bhh = ref bhh;
            _hPrev = ref hPrev;
            _saved = ref saved;
            _hNew = ref hNew;
            _hidden = hidden;
            _bias = bias;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ForwardKernel AtRow(int row)
        {
            int g = row * 3 * _hidden, sv = row * SavedPerHidden * _hidden, s = row * _hidden;
            return new(ref Unsafe.Add(ref _xg, g), ref Unsafe.Add(ref _hg, g), ref _bhh, ref Unsafe.Add(ref _hPrev, s),
                ref Unsafe.Add(ref _saved, sv), ref Unsafe.Add(ref _hNew, s), _hidden, _bias);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Invoke<T>(nuint j) where T : struct, IFloatVector<T>
        {
            nuint h = (nuint)_hidden;
            var pr = T.Load(ref _xg, j) + T.Load(ref _hg, j);
            var pz = T.Load(ref _xg, h + j) + T.Load(ref _hg, h + j);
            var hn = T.Load(ref _hg, 2 * h + j);
            if (_bias)
            {
                pr += T.Load(ref _bhh, j);
                pz += T.Load(ref _bhh, h + j);
                hn += T.Load(ref _bhh, 2 * h + j);
            }
            var r = Activations.Sigmoid(pr);
            var z = Activations.Sigmoid(pz);
            var n = Activations.Tanh(T.FusedMultiplyAdd(r, hn, T.Load(ref _xg, 2 * h + j)));
            r.Store(ref _saved, j);
            z.Store(ref _saved, h + j);
            n.Store(ref _saved, 2 * h + j);
            hn.Store(ref _saved, 3 * h + j);
            T.FusedMultiplyAdd(z, T.Load(ref _hPrev, j) - n, n).Store(ref _hNew, j);
        }
    }

    private readonly ref struct BackwardKernel : IRowKernel<BackwardKernel>
    {
        private readonly ref float _saved, _hPrev, _dh, _dGx, _dGh, _dhPrevDirect;
        private readonly int _hidden, _dGhStride;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public BackwardKernel(ReadOnlySpan<float> saved, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> dh, int hidden,
            Span<float> dGx, Span<float> dGh, int dGhStride, Span<float> dhPrevDirect)
            : this(ref MemoryMarshal.GetReference(saved), ref MemoryMarshal.GetReference(hPrev), ref MemoryMarshal.GetReference(dh),
                ref MemoryMarshal.GetReference(dGx), ref MemoryMarshal.GetReference(dGh), ref MemoryMarshal.GetReference(dhPrevDirect), hidden, dGhStride)
        {
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private BackwardKernel(ref float saved, ref float hPrev, ref float dh, ref float dGx, ref float dGh, ref float dhPrevDirect, int hidden,
            int dGhStride)
        {
            _dGhStride = dGhStride;
            _saved = ref saved;
            _hPrev = ref hPrev;
            _dh = ref dh;
            _dGx = ref dGx;
            _dGh = ref dGh;
            _dhPrevDirect = ref dhPrevDirect;
            _hidden = hidden;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public BackwardKernel AtRow(int row)
        {
            int g = row * 3 * _hidden, sv = row * SavedPerHidden * _hidden, s = row * _hidden;
            return new(ref Unsafe.Add(ref _saved, sv), ref Unsafe.Add(ref _hPrev, s), ref Unsafe.Add(ref _dh, s), ref Unsafe.Add(ref _dGx, g),
                ref Unsafe.Add(ref _dGh, row * _dGhStride), ref Unsafe.Add(ref _dhPrevDirect, s), _hidden, _dGhStride);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Invoke<T>(nuint j) where T : struct, IFloatVector<T>
        {
            nuint h = (nuint)_hidden;
            var one = T.One;
            var r = T.Load(ref _saved, j);
            var z = T.Load(ref _saved, h + j);
            var n = T.Load(ref _saved, 2 * h + j);
            var hn = T.Load(ref _saved, 3 * h + j);
            var dhj = T.Load(ref _dh, j);
            var dnPre = dhj * (one - z) * (one - n * n);
            var dzPre = dhj * (T.Load(ref _hPrev, j) - n) * z * (one - z);
            var drPre = dnPre * hn * r * (one - r);
            drPre.Store(ref _dGx, j);
            dzPre.Store(ref _dGx, h + j);
            dnPre.Store(ref _dGx, 2 * h + j);
            drPre.Store(ref _dGh, j);
            dzPre.Store(ref _dGh, h + j);
            (dnPre * r).Store(ref _dGh, 2 * h + j);
            (dhj * z).Store(ref _dhPrevDirect, j);
        }
    }
}
