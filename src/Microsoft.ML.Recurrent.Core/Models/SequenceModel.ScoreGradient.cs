using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Models;

public sealed partial class SequenceModel
{
    /// <summary>
    /// The score of each sequence's target class and its gradient with respect to the embedded inputs, for a token
    /// classifier. The score of class c is its log-odds against the other classes, s = z_c - log(sum over j != c of
    /// exp z_j) (for two classes: z_c - z_other, the binary Score with the sign of c). Each sequence's embedded inputs are
    /// first multiplied by its entry of <paramref name="inputScales"/> (empty: 1). Reads the model only: no parameter
    /// gradient is touched, so threads may run this at once, each with its own workspace.
    /// Returns the packed gradient (N, E); row <c>ws.Recurrent.Layout.RowOf(b, t)</c> is step t of sequence b.
    /// </summary>
    internal ReadOnlySpan<float> ScoreGradient(ModelWorkspace ws, ReadOnlySpan<SequenceExample> batch, ReadOnlySpan<float> inputScales,
        ReadOnlySpan<int> targetClasses, Span<double> scores)
    {
        var o = Options;
        if (o.Task != SequenceTask.Classification || _embedding is null)
        {
            throw new InvalidOperationException($"Token attribution needs a token classifier; this model is a {o.Task} model{(_embedding is null ? " over numeric features" : "")}.");
        }
        int count = batch.Length, classes = o.HeadOutputs, width = HeadInputSize;
        ForwardFeatures(ws, batch, training: false, null, default, default, keepActivations: true, inputScales);
        var logits = HeadLogits(ws, 0, count);
        var dLogits = Buffers.Ensure(ref ws.LogitsGradient, count * classes).AsSpan(0, count * classes);
        for (int b = 0; b < count; b++)
        {
            scores[b] = LogOdds(logits.Slice(b * classes, classes), targetClasses[b], dLogits.Slice(b * classes, classes));
        }
        if (o.NgramEnsemble)
        {
            SplitEnsembleGradient(ws, count);
        }
        // dPooled (B, P) = dLogits (B, C) x W (C, P), P the head's input (D*H, or 3*D*H for Concat pooling).
        var dPooled = Buffers.Ensure(ref ws.PooledGradient, count * width).AsSpan(0, count * width);
        Gemm.Multiply(false, false, count, width, classes, dLogits, classes, Parameters.GetValues(_headWeight), width, dPooled, width, accumulate: false);
        return InputGradient(ws, count);
    }

    // s = z_c - logsumexp(z_j, j != c); ds/dz_c = 1, ds/dz_j = -softmax_j over j != c. In double, shifted by the maximum.
    private static double LogOdds(ReadOnlySpan<float> z, int c, Span<float> dz)
    {
        double max = double.NegativeInfinity;
        for (int j = 0; j < z.Length; j++)
        {
            if (j != c)
            {
                max = Math.Max(max, z[j]);
            }
        }
        double sum = 0;
        for (int j = 0; j < z.Length; j++)
        {
            sum += j == c ? 0 : Math.Exp(z[j] - max);
        }
        for (int j = 0; j < z.Length; j++)
        {
            dz[j] = j == c ? 1f : (float)(-Math.Exp(z[j] - max) / sum);
        }
        return z[c] - (max + Math.Log(sum));
    }
}
