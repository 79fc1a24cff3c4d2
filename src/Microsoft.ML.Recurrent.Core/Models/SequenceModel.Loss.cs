using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Models;

public sealed partial class SequenceModel
{
    /// <summary>
    /// The loss of a batch: forward, loss (PyTorch's mean: over sequences for many-to-one heads, over all
    /// valid target steps together for per-step heads, over all values for regression), and, when asked,
    /// backward, adding every parameter's gradient into <see cref="ParameterSet.Gradients"/>. An n-gram ensemble's
    /// training pass (backward) gives the sum of its two parts' cross-entropies; without backward, the cross-entropy of the
    /// workspace's <see cref="ModelWorkspace.EnsembleView"/> (by default the mean of the probabilities).
    /// Examples must have been validated (<see cref="ValidateExamples"/>). With backward, classification metrics count
    /// the rows but not the correct ones (a training step reports no accuracy).
    /// </summary>
    internal double ComputeLoss(ModelWorkspace ws, ReadOnlySpan<SequenceExample> batch, bool backward, bool training,
        RandomSource? dropoutRandom, ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> initialCell,
        ReadOnlySpan<float> classWeights, ref MetricTotals metrics)
    {
        ForwardFeatures(ws, batch, training, dropoutRandom, initialHidden, initialCell, keepActivations: backward);
        var o = Options;
        int rows = ws.HeadRows, classes = o.HeadOutputs;
        double loss;
        if (o.Task == SequenceTask.Regression)
        {
            // (B, O): one row per sequence, never more than one buffer.
            var logits = HeadLogits(ws, 0, rows);
            var dLogits = backward ? EnsureCleared(ref ws.LogitsGradient, rows * classes) : default;
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
            if (backward)
            {
                HeadBackward(ws, 0, rows, dLogits);
            }
        }
        else if (backward && o.NgramEnsemble)
        {
            loss = EnsembleCrossEntropy(ws, rows, classes, classWeights, ref metrics);
        }
        else
        {
            loss = CrossEntropyInChunks(ws, rows, classes, backward, classWeights, ref metrics);
        }
        if (backward)
        {
            Backward(ws, batch);
        }
        return loss;
    }

    /// <summary>
    /// The head, the cross-entropy (mean over the counted rows) and, when asked, the head's backward, a chunk of rows
    /// at a time (<see cref="HeadChunkRows"/>): the logits of rows x classes never need one buffer. The loss is summed in
    /// row order across chunks and the weight gradient in whole GEMM depth blocks, so the result is the one-chunk result.
    /// </summary>
    private double CrossEntropyInChunks(ModelWorkspace ws, int rows, int classes, bool backward, ReadOnlySpan<float> classWeights, ref MetricTotals metrics)
    {
        var targets = ws.Targets.AsSpan(0, rows);
        double weightSum = CrossEntropyLoss.WeightSum(targets, classes, classWeights);
        // No counted row: the loss is 0 and the head gets a zero gradient (as CrossEntropyLoss.ForwardBackward gives).
        bool gradient = backward && weightSum != 0;
        double scale = 1.0 / weightSum, total = 0;
        int chunk = HeadChunkRows(rows, classes, ws.HeadChunkFloats);
        for (int r0 = 0; r0 < rows;)
        {
            int count = ChunkLength(rows - r0, chunk);
            var logits = HeadLogits(ws, r0, count);
            // The loss writes the whole gradient (zeros on ignored rows); only a batch with no counted row needs it cleared.
            var dLogits = gradient ? Engine.Buffers.Ensure(ref ws.LogitsGradient, count * classes).AsSpan(0, count * classes)
                : backward ? EnsureCleared(ref ws.LogitsGradient, count * classes) : default;
            var chunkTargets = targets.Slice(r0, count);
            long correct = 0;
            // A training step reads no accuracy: the argmax over every row's classes is left to evaluation.
            CrossEntropyRows.Add(logits, chunkTargets, classes, gradient ? dLogits : default, overwrite: true, scale, classWeights,
                countCorrect: !backward, ref total, ref correct);
            metrics.Correct += correct;
            for (int r = 0; r < count; r++)
            {
                if (chunkTargets[r] >= 0)
                {
                    metrics.Count++;
                }
            }
            if (backward)
            {
                HeadBackward(ws, r0, count, dLogits);
            }
            r0 += count;
        }
        return weightSum == 0 ? 0 : total / weightSum;
    }

    /// <summary>
    /// Forward through embedding and recurrent stack up to the head's input (every step's top output, or the pooled
    /// summary), and the head's targets; sets <c>ws.HeadRows</c>. The head itself runs in <see cref="HeadLogits"/>.
    /// keepActivations: whether a backward pass follows (false keeps one step's activations, reused).
    /// </summary>
    /// inputScales: empty, or (B) a factor each sequence's embedded inputs are multiplied by (integrated gradients'
    /// path from the zero embedding).
    internal void ForwardFeatures(ModelWorkspace ws, ReadOnlySpan<SequenceExample> batch, bool training, RandomSource? dropoutRandom,
        ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> initialCell, bool keepActivations, ReadOnlySpan<float> inputScales = default)
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
        GatherLastInputs(ws, batch, inputScales);
        var rws = ws.Recurrent;
        var layout = rws.Layout;
        layout.Build(lengths, maxLength);
        Recurrent.CheckSizes(layout.TotalRows, layout.Batch, nameof(batch));
        int n = layout.TotalRows, inSize = o.StepInputSize;
        var x = RecurrentWorkspace.Ensure(ref rws.InputPacked, n * inSize).AsSpan(0, n * inSize);
        var embedding = _embedding is null ? default : Parameters.GetValues(_embedding);
        // Token rows: [embedding (E) | character features], feature rows: the features.
        int width = _embedding is null ? inSize : o.EmbeddingSize;
        // A frozen workspace predicting from plain embeddings keeps each token's first-layer projection (InputProjectionCache).
        bool tokenKeys = rws.WeightsFrozen && !training && _embedding is not null && !o.UsesCharacters && inputScales.IsEmpty;
        var keys = tokenKeys ? ModelWorkspace.Ensure(ref ws.RowTokens, n) : null;
        rws.InputTokens = keys;
        rws.InputTokenCount = o.VocabularySize;
        for (int b = 0; b < count; b++)
        {
            var e = batch[b];
            for (int t = 0; t < lengths[b]; t++)
            {
                int row = layout.RowOf(b, t);
                var src = e.Tokens is { } tokens
                    ? embedding.Slice(tokens[t] * width, width)
                    : e.Features.AsSpan(t * width, width);
                if (keys is not null)
                {
                    keys[row] = e.Tokens![t];
                }
                var dst = x.Slice(row * inSize, width);
                if (inputScales.IsEmpty)
                {
                    src.CopyTo(dst);
                }
                else
                {
                    TensorPrimitives.Multiply(src, inputScales[b], dst);
                }
            }
        }
        var regularization = training && dropoutRandom is not null && ws.Regularization is { IsActive: true } r ? r : null;
        ws.Applied = regularization;
        float between = training ? o.Dropout : 0f;
        rws.LockedDropout = false;
        rws.WeightDropout = 0f;
        if (regularization is not null)
        {
            MaskEmbeddingRows(ws, batch, regularization, dropoutRandom!);
        }
        if (o.UsesCharacters)
        {
            ForwardCharacters(ws, batch, lengths, x);
        }
        if (regularization is not null)
        {
            MaskInputUnits(ws, batch.Length, regularization, dropoutRandom!);
            rws.WeightDropout = regularization.WeightDropout;
            if (regularization.HiddenDropout > 0f)
            {
                between = regularization.HiddenDropout;
                rws.LockedDropout = true;
            }
        }
        Recurrent.ForwardCore(rws, initialHidden, initialCell, between, dropoutRandom);

        int rows;
        if (IsPerStep)
        {
            rows = n;
            if (regularization is { OutputDropout: > 0f })
            {
                MaskOutput(ws, regularization.OutputDropout, dropoutRandom!, rws.LayerOutput[o.NumLayers - 1].AsSpan(0, n * FeatureSize), perStep: true);
            }
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
            Pool(ws, count);
            if (o.UsesNgrams)
            {
                PrepareNgrams(ws, batch, lengths, inputScales);
            }
            if (regularization is { OutputDropout: > 0f })
            {
                MaskOutput(ws, regularization.OutputDropout, dropoutRandom!, ws.Pooled.AsSpan(0, count * HeadInputSize), perStep: false);
            }
            var targets = ModelWorkspace.Ensure(ref ws.Targets, count).AsSpan(0, count);
            for (int b = 0; b < count; b++)
            {
                targets[b] = batch[b].Label;
            }
        }
        ws.HeadRows = rows;
    }

    // From the gradient on the head's input (left by HeadBackward in dTop, or in PooledGradient) down through the stack.
    private void Backward(ModelWorkspace ws, ReadOnlySpan<SequenceExample> batch)
    {
        var o = Options;
        var rws = ws.Recurrent;
        var layout = rws.Layout;
        int width = FeatureSize, count = batch.Length;
        ReadOnlySpan<float> dFinalHidden = default;
        bool outputMasked = ws.Applied is { OutputDropout: > 0f };
        if (!IsPerStep)
        {
            int n = layout.TotalRows;
            var dTop = RecurrentWorkspace.Ensure(ref rws.LayerGradient, n * width).AsSpan(0, n * width);
            dTop.Clear();
            var dPooled = ws.PooledGradient.AsSpan(0, count * HeadInputSize);
            if (outputMasked)
            {
                TensorPrimitives.Multiply(dPooled, ws.OutputMask.AsSpan(0, count * HeadInputSize), dPooled);
            }
            dFinalHidden = Unpool(ws, dPooled, count, dTop);
        }
        else if (outputMasked)
        {
            MaskRows(layout, ws.OutputMask, width, rws.LayerGradient);
        }

        var dInput = Recurrent.BackwardCore(rws, dFinalHidden, default, _embedding is not null, default, default);
        if (_embedding is not null)
        {
            if (ws.Applied is { } applied && (applied.EmbeddingDropout > 0f || applied.InputDropout > 0f))
            {
                dInput = EmbeddingBackwardMasked(ws, batch, dInput, applied);
                if (o.UsesCharacters)
                {
                    BackwardCharacters(ws, layout.TotalRows, dInput);
                }
                return;
            }
            var dEmbedding = Parameters.GetGradients(_embedding);
            int e = o.EmbeddingSize, inSize = o.StepInputSize;
            for (int b = 0; b < count; b++)
            {
                var tokens = batch[b].Tokens!;
                for (int t = 0; t < layout.Lengths[b]; t++)
                {
                    var dst = dEmbedding.Slice(tokens[t] * e, e);
                    TensorPrimitives.Add(dst, dInput.Slice(layout.RowOf(b, t) * inSize, e), dst);
                }
            }
            if (o.UsesCharacters)
            {
                BackwardCharacters(ws, layout.TotalRows, dInput);
            }
        }
    }

    /// <summary>
    /// Backward of an inference pass (no dropout or regulariser masks) from the pooled gradient to the packed gradient on
    /// the embedded inputs (N, I). Nothing is added into <see cref="ParameterSet.Gradients"/>: the pass only reads the
    /// model, so several threads may run it at once, each with its own workspace.
    /// </summary>
    private ReadOnlySpan<float> InputGradient(ModelWorkspace ws, int count)
    {
        var rws = ws.Recurrent;
        int width = FeatureSize;
        ReadOnlySpan<float> dFinalHidden = default;
        if (!IsPerStep)
        {
            int n = rws.Layout.TotalRows;
            var dTop = RecurrentWorkspace.Ensure(ref rws.LayerGradient, n * width).AsSpan(0, n * width);
            dTop.Clear();
            dFinalHidden = Unpool(ws, ws.PooledGradient.AsSpan(0, count * HeadInputSize), count, dTop);
        }
        return Recurrent.BackwardCore(rws, dFinalHidden, default, wantInputGradient: true, default, default, weightGradients: false);
    }

    private static Span<float> EnsureCleared(ref float[] buffer, int length)
    {
        var span = Engine.Buffers.Ensure(ref buffer, length).AsSpan(0, length);
        span.Clear();
        return span;
    }
}
