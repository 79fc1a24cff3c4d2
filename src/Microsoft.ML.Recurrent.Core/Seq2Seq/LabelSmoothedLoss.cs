using System.Buffers;
using System.Numerics.Tensors;

namespace Microsoft.ML.Recurrent.Seq2Seq;

/// <summary>
/// Softmax cross-entropy with label smoothing, PyTorch's <c>nn.CrossEntropyLoss(label_smoothing=eps)</c>:
/// <c>loss = (1 - eps) (lse(z) - z_y) + eps (lse(z) - mean(z))</c> per row.
/// </summary>
internal static class LabelSmoothedLoss
{
    /// <summary>
    /// The summed loss of <paramref name="rows"/> rows; when <paramref name="dLogits"/> is not empty, writes
    /// <c>scale * (softmax - (1 - eps) onehot - eps / C)</c> there.
    /// </summary>
    public static double Compute(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, int rows, int classes, float smoothing,
        Span<float> dLogits, float scale)
    {
        // exp(z - max) goes into the row's gradient when there is one (then scaled into the gradient in place), else into
        // a scratch row; vectorised, with the row's sum in float as PyTorch's softmax keeps it.
        float[]? scratch = dLogits.IsEmpty ? ArrayPool<float>.Shared.Rent(classes) : null;
        try
        {
            double total = 0;
            for (int r = 0; r < rows; r++)
            {
                var z = logits.Slice(r * classes, classes);
                var e = scratch is null ? dLogits.Slice(r * classes, classes) : scratch.AsSpan(0, classes);
                float max = TensorPrimitives.Max(z);
                TensorPrimitives.Subtract(z, max, e);
                TensorPrimitives.Exp(e, e);
                double sum = TensorPrimitives.Sum(e);
                double lse = max + Math.Log(sum);
                double nll = lse - z[targets[r]];
                double smooth = smoothing == 0 ? 0 : lse - TensorPrimitives.Sum(z) / (double)classes;
                total += (1 - smoothing) * nll + smoothing * smooth;
                if (scratch is null)
                {
                    // scale * (softmax - eps / C), then the target's - scale * (1 - eps).
                    TensorPrimitives.Multiply(e, (float)(scale / sum), e);
                    TensorPrimitives.Add(e, (float)(-scale * smoothing / classes), e);
                    e[targets[r]] -= scale * (1 - smoothing);
                }
            }
            return total;
        }
        finally
        {
            if (scratch is not null)
            {
                ArrayPool<float>.Shared.Return(scratch);
            }
        }
    }
}
