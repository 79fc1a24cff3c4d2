using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// One LSTM time step for a block of active rows (PyTorch gate order i, f, g, o).
/// Forward and Backward are a pair with the same parameter names; each is one <see cref="IRowKernel{TSelf}"/> body,
/// written once and run by <see cref="RowLoop"/> at every vector width and for the tail of a row.
/// </summary>
internal static class LstmCell
{
    /// <summary>
    /// gates = act(xg + hg + bhh); c' = f*c + i*g; h' = o*tanh(c'). cNew may be the same memory as cPrev.
    /// One pass per row over all four gates (sigmoid and tanh from <see cref="Activations"/>).
    /// </summary>
    public static void Forward(
        ReadOnlySpan<float> xg,     // (rows, 4H) input projection incl. bias_ih
        ReadOnlySpan<float> hg,     // (rows, 4H) recurrent projection W_hh h, no bias
        ReadOnlySpan<float> bhh,    // (4H) or empty
        ReadOnlySpan<float> cPrev,  // (rows, H)
        int rows, int hidden,
        Span<float> gates,          // (rows, 4H) activations i, f, g, o
        Span<float> cNew,           // (rows, H)
        Span<float> tanhC,          // (rows, H) tanh(c'), saved for the backward pass
        Span<float> hNew,           // (rows, H)
        VectorWidth widest = VectorWidth.Vector512)
    {
        if (rows == 0 || hidden == 0)
        {
            return;
        }
        // Checked in long (a wrapped product must not pass): the kernel reads and writes without bounds checks.
        long gateFloats = (long)rows * 4 * hidden, stateFloats = (long)rows * hidden;
        SpanChecks.AtLeast(xg.Length, gateFloats, nameof(xg));
        SpanChecks.AtLeast(hg.Length, gateFloats, nameof(hg));
        SpanChecks.AtLeast(gates.Length, gateFloats, nameof(gates));
        SpanChecks.AtLeast(cPrev.Length, stateFloats, nameof(cPrev));
        SpanChecks.AtLeast(cNew.Length, stateFloats, nameof(cNew));
        SpanChecks.AtLeast(tanhC.Length, stateFloats, nameof(tanhC));
        SpanChecks.AtLeast(hNew.Length, stateFloats, nameof(hNew));
        if (!bhh.IsEmpty)
        {
            SpanChecks.AtLeast(bhh.Length, 4L * hidden, nameof(bhh));
        }
        RowLoop.Run(new ForwardKernel(xg, hg, bhh, cPrev, hidden, gates, cNew, tanhC, hNew), rows, hidden, widest);
    }

    /// <summary>
    /// From dh (gradient on h') and dc (gradient on c' from later steps) to the pre-activation gate
    /// gradients; dc is replaced by the gradient on c (the previous cell state).
    /// </summary>
    public static void Backward(
        ReadOnlySpan<float> gates,  // (rows, 4H) activations i, f, g, o
        ReadOnlySpan<float> cPrev,  // (rows, H)
        ReadOnlySpan<float> tanhC,  // (rows, H) tanh(c') from the forward pass
        ReadOnlySpan<float> dh,     // (rows, H)
        int rows, int hidden,
        Span<float> dc,             // (rows, H) in: dLoss/dc'; out: dLoss/dc
        Span<float> dGates,         // (rows, 4H) out: dLoss/d(pre-activation)
        VectorWidth widest = VectorWidth.Vector512)
    {
        if (rows == 0 || hidden == 0)
        {
            return;
        }
        long gateFloats = (long)rows * 4 * hidden, stateFloats = (long)rows * hidden;
        SpanChecks.AtLeast(gates.Length, gateFloats, nameof(gates));
        SpanChecks.AtLeast(dGates.Length, gateFloats, nameof(dGates));
        SpanChecks.AtLeast(cPrev.Length, stateFloats, nameof(cPrev));
        SpanChecks.AtLeast(tanhC.Length, stateFloats, nameof(tanhC));
        SpanChecks.AtLeast(dh.Length, stateFloats, nameof(dh));
        SpanChecks.AtLeast(dc.Length, stateFloats, nameof(dc));
        RowLoop.Run(new BackwardKernel(gates, cPrev, tanhC, dh, hidden, dc, dGates), rows, hidden, widest);
    }

    private readonly ref struct ForwardKernel : IRowKernel<ForwardKernel>
    {
        private readonly ref float _xg, _hg, _bhh, _cPrev, _gates, _cNew, _tanhC, _hNew;
        private readonly int _hidden;
        private readonly bool _bias;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ForwardKernel(ReadOnlySpan<float> xg, ReadOnlySpan<float> hg, ReadOnlySpan<float> bhh, ReadOnlySpan<float> cPrev, int hidden,
            Span<float> gates, Span<float> cNew, Span<float> tanhC, Span<float> hNew)
            : this(ref MemoryMarshal.GetReference(xg), ref MemoryMarshal.GetReference(hg), ref MemoryMarshal.GetReference(bhh),
                ref MemoryMarshal.GetReference(cPrev), ref MemoryMarshal.GetReference(gates), ref MemoryMarshal.GetReference(cNew),
                ref MemoryMarshal.GetReference(tanhC), ref MemoryMarshal.GetReference(hNew), hidden, !bhh.IsEmpty)
        {
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private ForwardKernel(ref float xg, ref float hg, ref float bhh, ref float cPrev, ref float gates, ref float cNew, ref float tanhC,
            ref float hNew, int hidden, bool bias)
        {
            _xg = ref xg;
            _hg = ref hg;
            _bhh = ref bhh;
            _cPrev = ref cPrev;
            _gates = ref gates;
            _cNew = ref cNew;
            _tanhC = ref tanhC;
            _hNew = ref hNew;
            _hidden = hidden;
            _bias = bias;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ForwardKernel AtRow(int row)
        {
            int g = row * 4 * _hidden, s = row * _hidden;
            return new(ref Unsafe.Add(ref _xg, g), ref Unsafe.Add(ref _hg, g), ref _bhh, ref Unsafe.Add(ref _cPrev, s), ref Unsafe.Add(ref _gates, g),
                ref Unsafe.Add(ref _cNew, s), ref Unsafe.Add(ref _tanhC, s), ref Unsafe.Add(ref _hNew, s), _hidden, _bias);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Invoke<T>(nuint j) where T : struct, IFloatVector<T>
        {
            nuint h = (nuint)_hidden;
            var pi = T.Load(ref _xg, j) + T.Load(ref _hg, j);
            var pf = T.Load(ref _xg, h + j) + T.Load(ref _hg, h + j);
            var pg = T.Load(ref _xg, 2 * h + j) + T.Load(ref _hg, 2 * h + j);
            var po = T.Load(ref _xg, 3 * h + j) + T.Load(ref _hg, 3 * h + j);
            if (_bias)
            {
                pi += T.Load(ref _bhh, j);
                pf += T.Load(ref _bhh, h + j);
                pg += T.Load(ref _bhh, 2 * h + j);
                po += T.Load(ref _bhh, 3 * h + j);
            }
            var i = Activations.Sigmoid(pi);
            var f = Activations.Sigmoid(pf);
            var g = Activations.Tanh(pg);
            var o = Activations.Sigmoid(po);
            i.Store(ref _gates, j);
            f.Store(ref _gates, h + j);
            g.Store(ref _gates, 2 * h + j);
            o.Store(ref _gates, 3 * h + j);
            var c = T.FusedMultiplyAdd(i, g, f * T.Load(ref _cPrev, j));
            var t = Activations.Tanh(c);
            c.Store(ref _cNew, j);
            t.Store(ref _tanhC, j);
            (o * t).Store(ref _hNew, j);
        }
    }

    private readonly ref struct BackwardKernel : IRowKernel<BackwardKernel>
    {
        private readonly ref float _gates, _cPrev, _tanhC, _dh, _dc, _dGates;
        private readonly int _hidden;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public BackwardKernel(ReadOnlySpan<float> gates, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> tanhC, ReadOnlySpan<float> dh, int hidden,
            Span<float> dc, Span<float> dGates)
            : this(ref MemoryMarshal.GetReference(gates), ref MemoryMarshal.GetReference(cPrev), ref MemoryMarshal.GetReference(tanhC),
                ref MemoryMarshal.GetReference(dh), ref MemoryMarshal.GetReference(dc), ref MemoryMarshal.GetReference(dGates), hidden)
        {
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private BackwardKernel(ref float gates, ref float cPrev, ref float tanhC, ref float dh, ref float dc, ref float dGates, int hidden)
        {
            _gates = ref gates;
            _cPrev = ref cPrev;
            _tanhC = ref tanhC;
            _dh = ref dh;
            _dc = ref dc;
            _dGates = ref dGates;
            _hidden = hidden;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public BackwardKernel AtRow(int row)
        {
            int g = row * 4 * _hidden, s = row * _hidden;
            return new(ref Unsafe.Add(ref _gates, g), ref Unsafe.Add(ref _cPrev, s), ref Unsafe.Add(ref _tanhC, s), ref Unsafe.Add(ref _dh, s),
                ref Unsafe.Add(ref _dc, s), ref Unsafe.Add(ref _dGates, g), _hidden);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Invoke<T>(nuint j) where T : struct, IFloatVector<T>
        {
            nuint h = (nuint)_hidden;
            var one = T.One;
            var i = T.Load(ref _gates, j);
            var f = T.Load(ref _gates, h + j);
            var g = T.Load(ref _gates, 2 * h + j);
            var o = T.Load(ref _gates, 3 * h + j);
            var tc = T.Load(ref _tanhC, j);
            var dhj = T.Load(ref _dh, j);
            var dct = T.Load(ref _dc, j) + dhj * o * (one - tc * tc);
            (dct * g * i * (one - i)).Store(ref _dGates, j);
            (dct * T.Load(ref _cPrev, j) * f * (one - f)).Store(ref _dGates, h + j);
            (dct * i * (one - g * g)).Store(ref _dGates, 2 * h + j);
            (dhj * tc * o * (one - o)).Store(ref _dGates, 3 * h + j);
            (dct * f).Store(ref _dc, j);
        }
    }
}
