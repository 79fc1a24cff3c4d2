using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Seq2Seq;

/// <summary>
/// Softmax cross-entropy with label smoothing, PyTorch's <c>nn.CrossEntropyLoss(label_smoothing=eps)</c>:
/// <c>loss = (1 - eps) (lse(z) - z_y) + eps (lse(z) - mean(z))</c> per row. Rows run on the engine's threads in
/// fixed blocks; each row's loss is kept and the rows are summed in order afterwards, so the result is bit-identical
/// whatever the thread count.
/// </summary>
internal sealed class LabelSmoothedLoss : IWorkItem
{
    // Rows per work item: a row of an 8,000-word output is 32 KB of logits, so a block is a few hundred KB of work.
    private const int BlockRows = 8;

    [ThreadStatic]
    private static LabelSmoothedLoss? t_job;

    private float[] _logits = [];
    private int[] _targets = [];
    private float[]? _dLogits;
    private double[] _rowLoss = [];
    private bool[] _rowCorrect = [];
    private int _rows, _classes;
    private float _smoothing, _scale;
    private bool _countCorrect;

    /// <summary>
    /// The summed loss of <paramref name="rows"/> rows; when <paramref name="dLogits"/> is not null, writes
    /// <c>scale * (softmax - (1 - eps) onehot - eps / C)</c> there. <paramref name="dLogits"/> may be
    /// <paramref name="logits"/> itself (the gradient then replaces the logits).
    /// </summary>
    public static double Compute(float[] logits, int[] targets, int rows, int classes, float smoothing, float[]? dLogits, float scale) =>
        Compute(logits, targets, rows, classes, smoothing, dLogits, scale, countCorrect: false, out _);

    /// <summary>
    /// As the other overload; also counts, when <paramref name="countCorrect"/>, the rows whose most likely class
    /// (<c>TensorPrimitives.IndexOfMax</c>) is the target.
    /// </summary>
    public static double Compute(float[] logits, int[] targets, int rows, int classes, float smoothing, float[]? dLogits, float scale,
        bool countCorrect, out long correct)
    {
        SpanChecks.AtLeast(logits.Length, (long)rows * classes, nameof(logits));
        SpanChecks.AtLeast(targets.Length, rows, nameof(targets));
        if (dLogits is not null)
        {
            SpanChecks.AtLeast(dLogits.Length, (long)rows * classes, nameof(dLogits));
        }
        var job = t_job ??= new LabelSmoothedLoss();
        if (job._rowLoss.Length < rows)
        {
            job._rowLoss = new double[Math.Max(rows, job._rowLoss.Length * 3 / 2)];
            job._rowCorrect = new bool[job._rowLoss.Length];
        }
        (job._logits, job._targets, job._dLogits, job._rows, job._classes) = (logits, targets, dLogits, rows, classes);
        (job._smoothing, job._scale, job._countCorrect) = (smoothing, scale, countCorrect);
        try
        {
            int blocks = (rows + BlockRows - 1) / BlockRows;
            if (blocks <= 1 || ComputeSettings.MaxThreads <= 1)
            {
                for (int i = 0; i < blocks; i++)
                {
                    job.Invoke(i);
                }
            }
            else
            {
                WorkerPool.Run(blocks, job);
            }
            double total = 0;
            correct = 0;
            for (int r = 0; r < rows; r++)
            {
                total += job._rowLoss[r];
                correct += countCorrect && job._rowCorrect[r] ? 1 : 0;
            }
            return total;
        }
        finally
        {
            (job._logits, job._targets, job._dLogits) = ([], [], null);
        }
    }

    public void Invoke(int index)
    {
        int end = Math.Min(_rows, (index + 1) * BlockRows);
        // exp(z - max) goes into the row's gradient when there is one (then scaled into the gradient in place), else into
        // a scratch row; vectorised, with the row's sum in float as PyTorch's softmax keeps it.
        float[]? scratch = _dLogits is null ? ArrayPool<float>.Shared.Rent(_classes) : null;
        try
        {
            for (int r = index * BlockRows; r < end; r++)
            {
                Row(r, scratch);
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

    /// <summary>
    /// The largest logit and the sum of all (in float), in one pass: TensorPrimitives.Max's NaN checks made the maximum
    /// alone a fifth of the loss. A NaN still reaches the loss through the sum or through exp(z - max).
    /// </summary>
    internal static float MaxAndSum(ReadOnlySpan<float> z, out float sum)
    {
        float max = float.NegativeInfinity, total = 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated && z.Length >= Vector<float>.Count)
        {
            var vmax = new Vector<float>(float.NegativeInfinity);
            var vsum = Vector<float>.Zero;
            ref float first = ref MemoryMarshal.GetReference(z);
            for (; i <= z.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = Vector.LoadUnsafe(ref first, (nuint)i);
                vmax = Vector.Max(vmax, v);
                vsum += v;
            }
            for (int lane = 0; lane < Vector<float>.Count; lane++)
            {
                max = Math.Max(max, vmax[lane]);
            }
            total = Vector.Sum(vsum);
        }
        for (; i < z.Length; i++)
        {
            max = Math.Max(max, z[i]);
            total += z[i];
        }
        sum = total;
        return max;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Row(int r, float[]? scratch)
    {
        int classes = _classes, target = _targets[r];
        float smoothing = _smoothing;
        var z = _logits.AsSpan(r * classes, classes);
        var e = scratch is null ? _dLogits.AsSpan(r * classes, classes) : scratch.AsSpan(0, classes);
        // Everything read from z comes first: the gradient may be written over the logits (dLogits == logits).
        float max = MaxAndSum(z, out float total), zTarget = z[target];
        double mean = smoothing == 0 ? 0 : total / (double)classes;
        if (_countCorrect)
        {
            _rowCorrect[r] = TensorPrimitives.IndexOfMax(z) == target;
        }
        TensorPrimitives.Subtract(z, max, e);
        TensorPrimitives.Exp(e, e);
        double sum = TensorPrimitives.Sum(e);
        double lse = max + Math.Log(sum);
        double nll = lse - zTarget;
        double smooth = smoothing == 0 ? 0 : lse - mean;
        _rowLoss[r] = (1 - smoothing) * nll + smoothing * smooth;
        if (scratch is null)
        {
            // scale * (softmax - eps / C), then the target's - scale * (1 - eps).
            TensorPrimitives.Multiply(e, (float)(_scale / sum), e);
            TensorPrimitives.Add(e, (float)(-_scale * smoothing / classes), e);
            e[target] -= _scale * (1 - smoothing);
        }
    }
}
