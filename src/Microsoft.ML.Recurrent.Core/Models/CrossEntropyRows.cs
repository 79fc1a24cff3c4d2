using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Models;

/// <summary>
/// The rows of <see cref="CrossEntropyLoss"/>: each row's <c>exp(z - max)</c> once, vectorised with the cell kernels'
/// exp (the same bits at every vector width), summed in double in a fixed order, and reused for the gradient; rows
/// run on the engine's threads in fixed blocks, each row's loss is kept and the rows are summed in order afterwards,
/// so the result is bit-identical whatever the thread count and the vector width. A language model's softmax over a
/// vocabulary of thousands is a large part of its step: two scalar double exps per logit used to cost more than the
/// head's three products together.
/// </summary>
internal sealed unsafe class CrossEntropyRows : IWorkItem
{
    // Rows per work item: a row of a 10,000-word vocabulary is 40 KB of logits, so a block is a few hundred KB of work.
    private const int BlockRows = 8;

    [ThreadStatic]
    private static CrossEntropyRows? t_job;

    private float* _logits;
    private int* _targets;
    private float* _dLogits;
    private float* _classWeights;
    private double[] _rowLoss = [];
    private bool[] _rowCorrect = [];
    private int _rows, _classes;
    private double _scale;
    private bool _overwrite, _countCorrect;

    /// <summary>
    /// Adds each counted row's weighted loss to <paramref name="total"/> in row order and, unless <paramref name="dLogits"/>
    /// is empty, <c>scale * w[y] * (softmax - onehot(y))</c> into its rows: added to what is there, or, with
    /// <paramref name="overwrite"/>, written over it (ignored rows then get zeros), which gives the bits adding to a
    /// cleared buffer gives. With <paramref name="countCorrect"/>, adds to <paramref name="correct"/> the counted rows whose
    /// largest logit (<c>TensorPrimitives.IndexOfMax</c>) is the target. Shapes must have been checked.
    /// </summary>
    public static void Add(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, int classes, Span<float> dLogits, bool overwrite,
        double scale, ReadOnlySpan<float> classWeights, bool countCorrect, ref double total, ref long correct)
    {
        int rows = targets.Length;
        if (rows == 0)
        {
            return;
        }
        var job = t_job ??= new CrossEntropyRows();
        if (job._rowLoss.Length < rows)
        {
            job._rowLoss = new double[Math.Max(rows, job._rowLoss.Length * 3 / 2)];
            job._rowCorrect = new bool[job._rowLoss.Length];
        }
        fixed (float* z = logits)
        fixed (int* t = targets)
        fixed (float* d = dLogits)
        fixed (float* w = classWeights)
        {
            job._logits = z;
            job._targets = t;
            job._dLogits = dLogits.IsEmpty ? null : d;
            job._classWeights = classWeights.IsEmpty ? null : w;
            (job._rows, job._classes, job._scale, job._overwrite, job._countCorrect) = (rows, classes, scale, overwrite, countCorrect);
            try
            {
                // One block, or one thread: the pool runs the blocks in order on this thread.
                WorkerPool.Run((rows + BlockRows - 1) / BlockRows, job);
            }
            finally
            {
                job._logits = job._dLogits = job._classWeights = null;
                job._targets = null;
            }
        }
        for (int r = 0; r < rows; r++)
        {
            if (targets[r] >= 0)
            {
                total += job._rowLoss[r];
                correct += job._rowCorrect[r] ? 1 : 0;
            }
        }
    }

    /// <summary>The rows of block <paramref name="index"/>.</summary>
    public void Invoke(int index)
    {
        int end = Math.Min(_rows, (index + 1) * BlockRows);
        // exp(z - max) goes straight into the row's gradient when it is written over, else into a scratch row.
        float[]? scratch = _dLogits is null || !_overwrite ? ArrayPool<float>.Shared.Rent(_classes) : null;
        try
        {
            for (int r = index * BlockRows; r < end; r++)
            {
                _rowLoss[r] = Row(r, scratch);
            }
        }
        finally
        {
            if (scratch is not null)
            {
                ArrayPool<float>.Shared.Return(scratch);
            }
        }
    }

    // One row: its weighted loss (0 when ignored), its gradient, whether its largest logit is the target.
    private double Row(int r, float[]? scratch)
    {
        int classes = _classes, target = _targets[r];
        var z = new ReadOnlySpan<float>(_logits + (long)r * classes, classes);
        var dz = _dLogits is null ? default : new Span<float>(_dLogits + (long)r * classes, classes);
        _rowCorrect[r] = false;
        if (target < 0)
        {
            if (_overwrite)
            {
                dz.Clear();
            }
            return 0;
        }
        if (_countCorrect)
        {
            _rowCorrect[r] = TensorPrimitives.IndexOfMax(z) == target;
        }
        double weight = _classWeights is null ? 1.0 : _classWeights[target];
        float max = TensorPrimitives.Max(z);
        if (float.IsInfinity(max))
        {
            return InfiniteRow(z, target, weight, dz);
        }
        var e = scratch is null ? dz : scratch.AsSpan(0, classes);
        RowLoop.Run(new ShiftedExpKernel(z, max, e), 1, classes);
        double sum = OrderedSum(e);
        double lse = max + Math.Log(sum);
        if (!dz.IsEmpty)
        {
            // d loss / d z_j = w[y] * scale * (softmax_j - [j == y]); the target's term in double, then rounded once.
            double rowScale = weight * _scale;
            float s = (float)(rowScale / sum);
            float targetTerm = (float)(rowScale * (e[target] / sum - 1.0));
            if (_overwrite)
            {
                RowLoop.Run(new ScaleKernel(dz, s), 1, classes);
                dz[target] = targetTerm + 0f; // + 0 turns a -0 into +0, as adding to a cleared row does
            }
            else
            {
                float before = dz[target];
                RowLoop.Run(new ScaledAddKernel(e, s, dz), 1, classes);
                dz[target] = before + targetTerm;
            }
        }
        return weight * (lse - z[target]);
    }

    // All -inf gives lse -inf, any +inf gives +inf, without the NaN of inf - inf; the gradient as the formula gives it.
    private double InfiniteRow(ReadOnlySpan<float> z, int target, double weight, Span<float> dz)
    {
        double lse = TensorPrimitives.Max(z);
        if (!dz.IsEmpty)
        {
            if (_overwrite)
            {
                dz.Clear();
            }
            double rowScale = weight * _scale;
            for (int j = 0; j < z.Length; j++)
            {
                double softmax = Math.Exp(z[j] - lse);
                dz[j] += (float)(rowScale * (j == target ? softmax - 1.0 : softmax));
            }
        }
        return weight * (lse - z[target]);
    }

    /// <summary>
    /// The sum in double of eight running sums, lane k over the values at j = k (mod 8) in order, then
    /// ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)): each path below adds the same doubles in the same order
    /// (a float widens to double exactly), so the sum is the same bits at every vector width.
    /// </summary>
    internal static double OrderedSum(ReadOnlySpan<float> values)
    {
        int n = values.Length, j = 0;
        Span<double> lanes = stackalloc double[8];
        lanes.Clear();
        ref float v = ref MemoryMarshal.GetReference(values);
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<double> a = Vector256<double>.Zero, b = Vector256<double>.Zero;
            for (; j + 8 <= n; j += 8)
            {
                var x = Vector256.LoadUnsafe(ref v, (nuint)j);
                a += Vector256.WidenLower(x);
                b += Vector256.WidenUpper(x);
            }
            a.StoreUnsafe(ref lanes[0]);
            b.StoreUnsafe(ref lanes[4]);
        }
        else if (Vector128.IsHardwareAccelerated && n >= 8)
        {
            Vector128<double> a = Vector128<double>.Zero, b = a, c = a, d = a;
            for (; j + 8 <= n; j += 8)
            {
                var x = Vector128.LoadUnsafe(ref v, (nuint)j);
                var y = Vector128.LoadUnsafe(ref v, (nuint)j + 4);
                a += Vector128.WidenLower(x);
                b += Vector128.WidenUpper(x);
                c += Vector128.WidenLower(y);
                d += Vector128.WidenUpper(y);
            }
            a.StoreUnsafe(ref lanes[0]);
            b.StoreUnsafe(ref lanes[2]);
            c.StoreUnsafe(ref lanes[4]);
            d.StoreUnsafe(ref lanes[6]);
        }
        for (; j < n; j++)
        {
            lanes[j & 7] += values[j];
        }
        return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    }

    // e = exp(z - max), 0 where z - max is below exp's normal range (a softmax entry under 1e-38 is 0 rather than denormal).
    private readonly ref struct ShiftedExpKernel(ReadOnlySpan<float> z, float max, Span<float> e) : IRowKernel<ShiftedExpKernel>
    {
        private readonly ReadOnlySpan<float> _z = z;
        private readonly Span<float> _e = e;
        private readonly float _max = max;

        public ShiftedExpKernel AtRow(int row) => this;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Invoke<T>(nuint j) where T : struct, IFloatVector<T>
        {
            var x = T.Load(ref MemoryMarshal.GetReference(_z), j) - T.Create(_max);
            T.SelectLess(x, T.Create(Activations.ExpLow), T.Create(0f), Activations.Exp(x)).Store(ref MemoryMarshal.GetReference(_e), j);
        }
    }

    // d *= s, in place.
    private readonly ref struct ScaleKernel(Span<float> d, float s) : IRowKernel<ScaleKernel>
    {
        private readonly Span<float> _d = d;
        private readonly float _s = s;

        public ScaleKernel AtRow(int row) => this;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Invoke<T>(nuint j) where T : struct, IFloatVector<T>
        {
            ref float d = ref MemoryMarshal.GetReference(_d);
            (T.Load(ref d, j) * T.Create(_s)).Store(ref d, j);
        }
    }

    // d += e * s, a product and a sum (no fused multiply-add): on a cleared row, the bits ScaleKernel gives.
    private readonly ref struct ScaledAddKernel(ReadOnlySpan<float> e, float s, Span<float> d) : IRowKernel<ScaledAddKernel>
    {
        private readonly ReadOnlySpan<float> _e = e;
        private readonly Span<float> _d = d;
        private readonly float _s = s;

        public ScaledAddKernel AtRow(int row) => this;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Invoke<T>(nuint j) where T : struct, IFloatVector<T>
        {
            ref float d = ref MemoryMarshal.GetReference(_d);
            (T.Load(ref d, j) + T.Load(ref MemoryMarshal.GetReference(_e), j) * T.Create(_s)).Store(ref d, j);
        }
    }
}
