using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>One vanilla RNN time step (tanh or ReLU) for a block of active rows. Forward and Backward are a pair.</summary>
internal static class RnnCell
{
    /// <summary>h' = act(xg + hg + bhh): the sums and ReLU from TensorPrimitives, tanh from <see cref="Activations"/> through
    /// <see cref="RowLoop"/> (<paramref name="widest"/> limits that part).</summary>
    public static void Forward(
        ReadOnlySpan<float> xg,     // (rows, H) input projection incl. bias_ih
        ReadOnlySpan<float> hg,     // (rows, H) recurrent projection, no bias
        ReadOnlySpan<float> bhh,    // (H) or empty
        bool relu,
        int rows, int hidden,
        Span<float> hNew,           // (rows, H)
        VectorWidth widest = VectorWidth.Vector512)
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
            RowLoop.Run(new TanhKernel(hNew[..n]), 1, n, widest);
        }
    }

    /// <summary>dGates = dh * act'(pre), computed from the activation h'.</summary>
    public static void Backward(
        ReadOnlySpan<float> hNew,   // (rows, H)
        ReadOnlySpan<float> dh,     // (rows, H)
        bool relu,
        int rows, int hidden,
        Span<float> dGates,         // (rows, H) out
        VectorWidth widest = VectorWidth.Vector512)
    {
        if (rows == 0 || hidden == 0)
        {
            return;
        }
        long floats = (long)rows * hidden;
        SpanChecks.AtLeast(hNew.Length, floats, nameof(hNew));
        SpanChecks.AtLeast(dh.Length, floats, nameof(dh));
        SpanChecks.AtLeast(dGates.Length, floats, nameof(dGates));
        RowLoop.Run(new BackwardKernel(hNew, dh, relu, dGates), 1, (int)floats, widest);
    }

    // In place, with the same tanh as the LSTM and GRU kernels; the rows are one row here, as nothing is per row.
    private readonly ref struct TanhKernel(Span<float> values) : IRowKernel<TanhKernel>
    {
        private readonly Span<float> _values = values;

        public TanhKernel AtRow(int row) => this;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Invoke<T>(nuint j) where T : struct, IFloatVector<T>
        {
            ref float v = ref MemoryMarshal.GetReference(_values);
            Activations.Tanh(T.Load(ref v, j)).Store(ref v, j);
        }
    }

    private readonly ref struct BackwardKernel(ReadOnlySpan<float> hNew, ReadOnlySpan<float> dh, bool relu, Span<float> dGates)
        : IRowKernel<BackwardKernel>
    {
        private readonly ReadOnlySpan<float> _hNew = hNew, _dh = dh;
        private readonly Span<float> _dGates = dGates;
        private readonly bool _relu = relu;

        public BackwardKernel AtRow(int row) => this;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Invoke<T>(nuint j) where T : struct, IFloatVector<T>
        {
            var h = T.Load(ref MemoryMarshal.GetReference(_hNew), j);
            var d = T.Load(ref MemoryMarshal.GetReference(_dh), j);
            var zero = T.Create(0f);
            var result = _relu ? T.SelectGreater(h, zero, d, zero) : d * (T.One - h * h);
            result.Store(ref MemoryMarshal.GetReference(_dGates), j);
        }
    }
}
