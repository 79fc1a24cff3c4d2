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
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            var z = logits.Slice(r * classes, classes);
            float max = TensorPrimitives.Max(z);
            double sum = 0;
            for (int c = 0; c < classes; c++)
            {
                sum += Math.Exp(z[c] - max);
            }
            double lse = max + Math.Log(sum);
            double nll = lse - z[targets[r]];
            double smooth = smoothing == 0 ? 0 : lse - TensorPrimitives.Sum(z) / (double)classes;
            total += (1 - smoothing) * nll + smoothing * smooth;
            if (!dLogits.IsEmpty)
            {
                var d = dLogits.Slice(r * classes, classes);
                for (int c = 0; c < classes; c++)
                {
                    d[c] = (float)(scale * (Math.Exp(z[c] - lse) - smoothing / classes));
                }
                d[targets[r]] -= scale * (1 - smoothing);
            }
        }
        return total;
    }
}
