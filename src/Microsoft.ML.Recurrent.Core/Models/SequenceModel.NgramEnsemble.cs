using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Models;

/// <summary>
/// The n-gram ensemble (<see cref="SequenceModelOptions.NgramEnsemble"/>): two classifiers in one model, the recurrent part
/// z_rnn = fc.weight · pooled + fc.bias and the n-gram part z_ngram = ngram.bias + (1 / sqrt(K)) sum of the occurrences'
/// ngram.weight rows. Training minimises the sum of their two cross-entropies (so each part's gradient is its own loss's);
/// the model predicts the mean of their probabilities, as the logits log((softmax(z_rnn) + softmax(z_ngram)) / 2), whose
/// softmax is that mean. Each part's temperature is folded into its own weights (<see cref="Training.TemperatureScaling"/>).
/// </summary>
public sealed partial class SequenceModel
{
    private static readonly double LogHalf = Math.Log(0.5);

    private ParameterInfo? _ngramBias;

    internal ParameterInfo? NgramBias => _ngramBias;

    /// <summary>The first value of the n-gram part's parameters (ngram.weight, then ngram.bias: the last ones registered).</summary>
    internal int NgramPartOffset => _ngramWeight?.Offset ?? Parameters.Count;

    // After the recurrent part's logits (count, C) of rows r0..: keeps both parts' logits and leaves the view's in logits.
    private void EnsembleLogits(ModelWorkspace ws, int r0, int count, Span<float> logits)
    {
        int classes = Options.HeadOutputs, n = count * classes;
        var recurrent = Buffers.Ensure(ref ws.RecurrentLogits, n).AsSpan(0, n);
        logits.CopyTo(recurrent);
        var ngrams = Buffers.Ensure(ref ws.NgramLogits, n).AsSpan(0, n);
        var bias = Parameters.GetValues(_ngramBias!);
        for (int r = 0; r < count; r++)
        {
            bias.CopyTo(ngrams.Slice(r * classes, classes));
        }
        AddNgramLogits(ws, r0, count, ngrams);
        switch (ws.EnsembleView)
        {
            case EnsembleView.Recurrent:
                break;
            case EnsembleView.Ngrams:
                ngrams.CopyTo(logits);
                break;
            default:
                for (int r = 0; r < count; r++)
                {
                    MeanLogProbabilities(recurrent.Slice(r * classes, classes), ngrams.Slice(r * classes, classes), logits.Slice(r * classes, classes));
                }
                break;
        }
    }

    // destination[k] = log((softmax(a)[k] + softmax(b)[k]) / 2), in double: finite whenever a and b are.
    private static void MeanLogProbabilities(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> destination)
    {
        double la = LogSumExp(a), lb = LogSumExp(b);
        for (int k = 0; k < a.Length; k++)
        {
            double x = a[k] - la, y = b[k] - lb, high = Math.Max(x, y);
            destination[k] = (float)(LogHalf + high + Math.Log(1 + Math.Exp(Math.Min(x, y) - high)));
        }
    }

    private static double LogSumExp(ReadOnlySpan<float> z)
    {
        double max = TensorPrimitives.Max(z), sum = 0;
        foreach (float v in z)
        {
            sum += Math.Exp(v - max);
        }
        return max + Math.Log(sum);
    }

    /// <summary>
    /// The ensemble's training loss: the recurrent part's cross-entropy plus the n-gram part's (each a mean over the
    /// counted rows), and both backward passes, each from its own loss. Metrics count the mean's predictions.
    /// A classification head has one row per sequence: the logits are one chunk.
    /// </summary>
    private double EnsembleCrossEntropy(ModelWorkspace ws, int rows, int classes, ReadOnlySpan<float> classWeights, ref MetricTotals metrics)
    {
        var targets = ws.Targets.AsSpan(0, rows);
        var logits = HeadLogits(ws, 0, rows);
        for (int r = 0; r < rows; r++)
        {
            if (targets[r] >= 0)
            {
                metrics.Count++;
                metrics.Correct += TensorPrimitives.IndexOfMax(logits.Slice(r * classes, classes)) == targets[r] ? 1 : 0;
            }
        }
        double weightSum = CrossEntropyLoss.WeightSum(targets, classes, classWeights);
        var dRecurrent = EnsureCleared(ref ws.LogitsGradient, rows * classes);
        var dNgrams = EnsureCleared(ref ws.NgramLogitsGradient, rows * classes);
        if (weightSum == 0)
        {
            HeadBackward(ws, 0, rows, dRecurrent);
            return 0;
        }
        double scale = 1.0 / weightSum, total = 0;
        CrossEntropyLoss.AddRows(ws.RecurrentLogits.AsSpan(0, rows * classes), targets, classes, dRecurrent, scale, classWeights, ref total);
        CrossEntropyLoss.AddRows(ws.NgramLogits.AsSpan(0, rows * classes), targets, classes, dNgrams, scale, classWeights, ref total);
        HeadBackward(ws, 0, rows, dRecurrent);
        var dBias = Parameters.GetGradients(_ngramBias!);
        for (int r = 0; r < rows; r++)
        {
            TensorPrimitives.Add(dBias, dNgrams.Slice(r * classes, classes), dBias);
        }
        NgramBackward(ws, 0, rows, dNgrams);
        return total / weightSum;
    }

    /// <summary>
    /// For attributions: turns the score's gradient on the logits the view gave (<c>ws.LogitsGradient</c>, rows of C) into
    /// the gradients on the two parts' logits: the recurrent part's in <c>ws.LogitsGradient</c>, the n-gram part's in
    /// <c>ws.NgramLogitsGradient</c>. For the mean m = log((p + q) / 2), p = softmax(a): dm_k/da_j = (p_k / (p_k + q_k))(δ_kj − p_j).
    /// </summary>
    private void SplitEnsembleGradient(ModelWorkspace ws, int count)
    {
        int classes = Options.HeadOutputs, n = count * classes;
        var g = ws.LogitsGradient.AsSpan(0, n);
        var dNgrams = EnsureCleared(ref ws.NgramLogitsGradient, n);
        if (ws.EnsembleView == EnsembleView.Ngrams)
        {
            g.CopyTo(dNgrams);
            g.Clear();
            return;
        }
        if (ws.EnsembleView == EnsembleView.Recurrent)
        {
            return;
        }
        // p, q the parts' probabilities; share_k = p_k / (p_k + q_k), in the log domain (both may underflow).
        Span<double> buffer = classes <= 64 ? stackalloc double[3 * classes] : new double[3 * classes];
        Span<double> p = buffer[..classes], q = buffer.Slice(classes, classes), share = buffer[(2 * classes)..];
        for (int r = 0; r < count; r++)
        {
            var a = ws.RecurrentLogits.AsSpan(r * classes, classes);
            var b = ws.NgramLogits.AsSpan(r * classes, classes);
            double la = LogSumExp(a), lb = LogSumExp(b), sumA = 0, sumB = 0;
            var row = g.Slice(r * classes, classes);
            for (int k = 0; k < classes; k++)
            {
                p[k] = Math.Exp(a[k] - la);
                q[k] = Math.Exp(b[k] - lb);
                share[k] = 1 / (1 + Math.Exp((b[k] - lb) - (a[k] - la)));
                sumA += row[k] * share[k];
                sumB += row[k] * (1 - share[k]);
            }
            var dB = dNgrams.Slice(r * classes, classes);
            for (int k = 0; k < classes; k++)
            {
                double gk = row[k];
                row[k] = (float)(gk * share[k] - p[k] * sumA);
                dB[k] = (float)(gk * (1 - share[k]) - q[k] * sumB);
            }
        }
    }
}
