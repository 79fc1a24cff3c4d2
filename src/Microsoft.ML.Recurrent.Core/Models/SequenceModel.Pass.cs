using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Models;

public sealed partial class SequenceModel
{
    /// <summary>
    /// One pass over a batch: forward, loss (PyTorch's mean: over sequences for many-to-one heads, over all
    /// valid target steps together for per-step heads, over all values for regression), and, when asked,
    /// backward, adding every parameter's gradient into <see cref="ParameterSet.Gradients"/>.
    /// Examples must have been validated (<see cref="ValidateExamples"/>).
    /// </summary>
    internal double Pass(ModelWorkspace ws, ReadOnlySpan<SequenceExample> batch, bool backward, bool training,
        RandomSource? dropoutRandom, ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> initialCell,
        ReadOnlySpan<float> classWeights, ref PassMetrics metrics)
    {
        Forward(ws, batch, training, dropoutRandom, initialHidden, initialCell, keepActivations: backward);
        var o = Options;
        int rows = ws.HeadRows, classes = o.HeadOutputs;
        var logits = ws.Logits.AsSpan(0, rows * classes);
        var dLogits = backward ? EnsureCleared(ref ws.LogitsGradient, rows * classes) : default;
        double loss;
        if (o.Task == SequenceTask.Regression)
        {
            var targets = Engine.Buffers.Ensure(ref ws.RegressionTargets, rows * classes).AsSpan(0, rows * classes);
            for (int b = 0; b < batch.Length; b++)
            {
                batch[b].Targets.AsSpan().CopyTo(targets.Slice(b * classes, classes));
            }
            loss = backward ? MeanSquaredErrorLoss.ForwardBackward(logits, targets, dLogits) : MeanSquaredErrorLoss.Forward(logits, targets);
            for (int i = 0; i < targets.Length; i++)
            {
                double diff = logits[i] - targets[i];
                metrics.SquaredError += diff * diff;
            }
            metrics.Count += targets.Length;
        }
        else
        {
            var targets = ws.Targets.AsSpan(0, rows);
            loss = backward
                ? CrossEntropyLoss.ForwardBackward(logits, targets, classes, dLogits, LossReduction.Mean, classWeights)
                : CrossEntropyLoss.Forward(logits, targets, classes, LossReduction.Mean, classWeights);
            for (int r = 0; r < rows; r++)
            {
                if (targets[r] < 0)
                {
                    continue;
                }
                metrics.Count++;
                metrics.LossSum += LogSumExp(logits.Slice(r * classes, classes)) - logits[r * classes + targets[r]];
                if (TensorPrimitives.IndexOfMax(logits.Slice(r * classes, classes)) == targets[r])
                {
                    metrics.Correct++;
                }
            }
        }
        if (backward)
        {
            Backward(ws, batch);
        }
        return loss;
    }

    /// <summary>
    /// Forward through embedding, recurrent stack and head; leaves the head's output in <c>ws.Logits</c> (rows, C).
    /// keepActivations: whether a backward pass follows (false keeps one step's activations, reused).
    /// </summary>
    internal void Forward(ModelWorkspace ws, ReadOnlySpan<SequenceExample> batch, bool training, RandomSource? dropoutRandom,
        ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> initialCell, bool keepActivations = false)
    {
        ws.Recurrent.KeepActivations = keepActivations;
        var o = Options;
        int count = batch.Length;
        var lengths = ModelWorkspace.Ensure(ref ws.Lengths, count).AsSpan(0, count);
        int maxLength = 0;
        for (int b = 0; b < count; b++)
        {
            lengths[b] = batch[b].StepCount(o.InputFeatures);
            maxLength = Math.Max(maxLength, lengths[b]);
        }
        var rws = ws.Recurrent;
        var layout = rws.Layout;
        layout.Build(lengths, maxLength);
        int n = layout.TotalRows, inSize = o.StepInputSize;
        var x = RecurrentWorkspace.Ensure(ref rws.InputPacked, n * inSize).AsSpan(0, n * inSize);
        var embedding = _embedding is null ? default : Parameters.GetValues(_embedding);
        for (int b = 0; b < count; b++)
        {
            var e = batch[b];
            for (int t = 0; t < lengths[b]; t++)
            {
                var src = e.Tokens is { } tokens
                    ? embedding.Slice(tokens[t] * inSize, inSize)
                    : e.Features.AsSpan(t * inSize, inSize);
                src.CopyTo(x.Slice(layout.RowOf(b, t) * inSize, inSize));
            }
        }
        Recurrent.ForwardCore(rws, initialHidden, initialCell, training ? o.Dropout : 0f, dropoutRandom);

        int width = FeatureSize, classes = o.HeadOutputs;
        ReadOnlySpan<float> features;
        int rows;
        if (IsPerStep)
        {
            rows = n;
            features = rws.LayerOutput[o.NumLayers - 1].AsSpan(0, n * width);
            var targets = ModelWorkspace.Ensure(ref ws.Targets, n).AsSpan(0, n);
            targets.Fill(-1);
            for (int b = 0; b < count; b++)
            {
                if (batch[b].StepLabels is { } labels)
                {
                    for (int t = 0; t < lengths[b]; t++)
                    {
                        targets[layout.RowOf(b, t)] = labels[t];
                    }
                }
            }
        }
        else
        {
            rows = count;
            features = Pool(ws, count);
            var targets = ModelWorkspace.Ensure(ref ws.Targets, count).AsSpan(0, count);
            for (int b = 0; b < count; b++)
            {
                targets[b] = batch[b].Label;
            }
        }
        ws.HeadRows = rows;
        var logits = Engine.Buffers.Ensure(ref ws.Logits, rows * classes).AsSpan(0, rows * classes);
        Gemm.Multiply(false, true, rows, classes, width, features, width, Parameters.GetValues(_headWeight), width, logits, classes, accumulate: false);
        var bias = Parameters.GetValues(_headBias);
        for (int r = 0; r < rows; r++)
        {
            TensorPrimitives.Add(logits.Slice(r * classes, classes), bias, logits.Slice(r * classes, classes));
        }
    }

    // (B, D*H) summary of each sequence from the top layer.
    private ReadOnlySpan<float> Pool(ModelWorkspace ws, int count)
    {
        var o = Options;
        var rws = ws.Recurrent;
        var layout = rws.Layout;
        int h = o.HiddenSize, width = FeatureSize, dirs = o.IsBidirectional ? 2 : 1;
        var pooled = Engine.Buffers.Ensure(ref ws.Pooled, count * width).AsSpan(0, count * width);
        var top = rws.LayerOutput[o.NumLayers - 1];
        switch (o.Pooling)
        {
            case SequencePooling.Last:
                for (int d = 0; d < dirs; d++)
                {
                    int slot = (o.NumLayers - 1) * dirs + d;
                    for (int b = 0; b < count; b++)
                    {
                        rws.FinalHidden.AsSpan((slot * count + b) * h, h).CopyTo(pooled.Slice(b * width + d * h, h));
                    }
                }
                break;
            case SequencePooling.Mean:
                pooled.Clear();
                for (int b = 0; b < count; b++)
                {
                    var dst = pooled.Slice(b * width, width);
                    int len = layout.Lengths[b];
                    for (int t = 0; t < len; t++)
                    {
                        TensorPrimitives.Add(dst, top.AsSpan(layout.RowOf(b, t) * width, width), dst);
                    }
                    TensorPrimitives.Multiply(dst, 1f / len, dst);
                }
                break;
            default:
                var index = ModelWorkspace.Ensure(ref ws.MaxIndex, count * width);
                for (int b = 0; b < count; b++)
                {
                    int len = layout.Lengths[b];
                    for (int j = 0; j < width; j++)
                    {
                        int bestRow = layout.RowOf(b, 0);
                        float best = top[bestRow * width + j];
                        for (int t = 1; t < len; t++)
                        {
                            int row = layout.RowOf(b, t);
                            float v = top[row * width + j];
                            if (v > best || float.IsNaN(v))
                            {
                                best = v;
                                bestRow = row;
                            }
                        }
                        pooled[b * width + j] = best;
                        index[b * width + j] = bestRow;
                    }
                }
                break;
        }
        return pooled;
    }

    private void Backward(ModelWorkspace ws, ReadOnlySpan<SequenceExample> batch)
    {
        var o = Options;
        var rws = ws.Recurrent;
        var layout = rws.Layout;
        int rows = ws.HeadRows, classes = o.HeadOutputs, width = FeatureSize, n = layout.TotalRows, count = batch.Length;
        ReadOnlySpan<float> dLogits = ws.LogitsGradient.AsSpan(0, rows * classes);
        ReadOnlySpan<float> features = IsPerStep ? rws.LayerOutput[o.NumLayers - 1].AsSpan(0, n * width) : ws.Pooled.AsSpan(0, rows * width);

        // Head: dW += dLogits^T features; db += column sums; d features = dLogits W.
        Gemm.Multiply(true, false, classes, width, rows, dLogits, classes, features, width, Parameters.GetGradients(_headWeight), width, accumulate: true);
        var dBias = Parameters.GetGradients(_headBias);
        for (int r = 0; r < rows; r++)
        {
            TensorPrimitives.Add(dBias, dLogits.Slice(r * classes, classes), dBias);
        }
        var dTop = RecurrentWorkspace.Ensure(ref rws.LayerGradient, n * width).AsSpan(0, n * width);
        ReadOnlySpan<float> dFinalHidden = default;
        if (IsPerStep)
        {
            Gemm.Multiply(false, false, rows, width, classes, dLogits, classes, Parameters.GetValues(_headWeight), width, dTop, width, accumulate: false);
        }
        else
        {
            var dPooled = Engine.Buffers.Ensure(ref ws.PooledGradient, count * width).AsSpan(0, count * width);
            Gemm.Multiply(false, false, count, width, classes, dLogits, classes, Parameters.GetValues(_headWeight), width, dPooled, width, accumulate: false);
            dTop.Clear();
            dFinalHidden = Unpool(ws, dPooled, count, dTop);
        }

        var dInput = Recurrent.BackwardCore(rws, dFinalHidden, default, _embedding is not null, default, default);
        if (_embedding is not null)
        {
            var dEmbedding = Parameters.GetGradients(_embedding);
            int e = o.EmbeddingSize;
            for (int b = 0; b < count; b++)
            {
                var tokens = batch[b].Tokens!;
                for (int t = 0; t < layout.Lengths[b]; t++)
                {
                    var dst = dEmbedding.Slice(tokens[t] * e, e);
                    TensorPrimitives.Add(dst, dInput.Slice(layout.RowOf(b, t) * e, e), dst);
                }
            }
        }
    }

    // Routes the pooled gradient back: into dh_n of the top layer (Last) or onto the top output rows (Mean, Max).
    private ReadOnlySpan<float> Unpool(ModelWorkspace ws, ReadOnlySpan<float> dPooled, int count, Span<float> dTop)
    {
        var o = Options;
        var layout = ws.Recurrent.Layout;
        int h = o.HiddenSize, width = FeatureSize, dirs = o.IsBidirectional ? 2 : 1;
        switch (o.Pooling)
        {
            case SequencePooling.Last:
                int stateSize = o.NumLayers * dirs * count * h;
                var dHn = EnsureCleared(ref ws.FinalHiddenGradient, stateSize);
                for (int d = 0; d < dirs; d++)
                {
                    int slot = (o.NumLayers - 1) * dirs + d;
                    for (int b = 0; b < count; b++)
                    {
                        dPooled.Slice(b * width + d * h, h).CopyTo(dHn.Slice((slot * count + b) * h, h));
                    }
                }
                return dHn;
            case SequencePooling.Mean:
                for (int b = 0; b < count; b++)
                {
                    int len = layout.Lengths[b];
                    for (int t = 0; t < len; t++)
                    {
                        var dst = dTop.Slice(layout.RowOf(b, t) * width, width);
                        TensorPrimitives.MultiplyAdd(dPooled.Slice(b * width, width), 1f / len, dst, dst);
                    }
                }
                return default;
            default:
                for (int b = 0; b < count; b++)
                {
                    for (int j = 0; j < width; j++)
                    {
                        dTop[ws.MaxIndex[b * width + j] * width + j] += dPooled[b * width + j];
                    }
                }
                return default;
        }
    }

    private static Span<float> EnsureCleared(ref float[] buffer, int length)
    {
        var span = Engine.Buffers.Ensure(ref buffer, length).AsSpan(0, length);
        span.Clear();
        return span;
    }

    private static double LogSumExp(ReadOnlySpan<float> z)
    {
        float max = TensorPrimitives.Max(z);
        double sum = 0;
        foreach (float v in z)
        {
            sum += Math.Exp(v - max);
        }
        return max + Math.Log(sum);
    }
}

/// <summary>Running totals of a pass, for metrics: correct predictions, counted targets, summed loss, squared error.</summary>
internal struct PassMetrics
{
    public long Correct;
    public long Count;
    public double LossSum;
    public double SquaredError;
}
