using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Seq2Seq;

// Teacher forcing: the decoder reads BOS and the target and predicts the target and EOS, every step's activations kept
// for the backward pass. Rows are sorted by target length so that a step's active rows are a prefix: a row takes part
// in exactly its own steps, and nothing past a source's or a target's length is read.
public sealed partial class Seq2SeqModel
{
    /// <summary>Sorts a batch by target length, longest first (stable).</summary>
    internal static Seq2SeqExample[] SortByTarget(IReadOnlyList<Seq2SeqExample> batch) =>
        [.. batch.Select((e, i) => (e, i)).OrderByDescending(x => x.e.Target.Length).ThenBy(x => x.i).Select(x => x.e)];

    /// <summary>
    /// The teacher-forced forward pass of a sorted batch, leaving every step's logits in <c>p.Logits</c> (N, V) in packed
    /// order (step-major). Returns N, the number of predicted tokens.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // once per batch: hot from the first call, not after tiering
    internal int TeacherForward(Seq2SeqPass p, IReadOnlyList<Seq2SeqExample> batch)
    {
        var o = Options;
        p.DecoderPacks.Invalidate(); // the weights may have changed since the last batch
        Encode(p, batch, i => batch[i].Target.Length + 1);
        int t = p.Steps, n = p.Offset[t], hd = o.DecoderHiddenSize, cw = CombinedWidth, s = p.SourceLength, a = o.AttentionSize;
        var input = Seq2SeqPass.Ensure(ref p.InputTokens, n);
        var output = Seq2SeqPass.Ensure(ref p.OutputTokens, n);
        for (int step = 0; step < t; step++)
        {
            for (int r = 0; r < p.Active[step]; r++)
            {
                var target = batch[r].Target;
                input[p.Offset[step] + r] = step == 0 ? TargetVocabulary.BeginId : target[step - 1];
                output[p.Offset[step] + r] = step < target.Length ? target[step] : TargetVocabulary.EndId;
            }
        }
        bool attention = o.Attention != AttentionKind.None, additive = o.Attention == AttentionKind.Additive;
        var combined = attention ? Seq2SeqPass.Ensure(ref p.Combined, (long)n * cw) : [];
        var weights = attention ? Seq2SeqPass.Ensure(ref p.Weights, (long)n * s) : [];
        var query = additive ? Seq2SeqPass.Ensure(ref p.Query, (long)n * a) : [];
        var hyper = additive ? Seq2SeqPass.Ensure(ref p.Hyper, (long)n * s * a) : [];
        var attentional = Seq2SeqPass.Ensure(ref p.Attentional, (long)n * hd);
        LoadInitialState(p, p.Identity, p.Batch);
        for (int step = 0; step < t; step++)
        {
            int rows = p.Active[step], row0 = p.Offset[step];
            if (step > 0)
            {
                Compact(p.Hidden, o.DecoderLayers, p.Active[step - 1], rows, hd);
                Compact(p.Cell, o.DecoderLayers, p.Active[step - 1], rows, hd);
            }
            var ws = p.Train ? p.StepWork(this, step) : p.DecoderInference;
            ReadOnlySpan<float> feed = step == 0 ? default : attentional.AsSpan(p.Offset[step - 1] * hd, rows * hd);
            DecodeStep(p, ws, rows, input.AsSpan(row0, rows), feed, p.Identity, attention ? combined.AsSpan(row0 * cw, rows * cw) : default,
                attention ? weights.AsSpan(row0 * s, rows * s) : default, additive ? query.AsSpan(row0 * a, rows * a) : default,
                additive ? hyper.AsSpan(row0 * s * a, rows * s * a) : default, attentional.AsSpan(row0 * hd, rows * hd));
        }
        Project(n, attentional, Seq2SeqPass.Ensure(ref p.Logits, (long)n * TargetCount));
        return n;
    }

    /// <summary>
    /// Backward of <see cref="TeacherForward"/> from d logits in <c>p.LogitsGradient</c>: adds every parameter's gradient.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // once per batch: hot from the first call, not after tiering
    internal void TeacherBackward(Seq2SeqPass p)
    {
        var o = Options;
        int t = p.Steps, n = p.Offset[t], hd = o.DecoderHiddenSize, cw = CombinedWidth, s = p.SourceLength, a = o.AttentionSize;
        int ld = o.DecoderLayers, et = o.TargetEmbeddingSize, din = DecoderInputSize, b = p.Batch;
        bool lstm = o.DecoderCell == RecurrentCellKind.Lstm, attention = o.Attention != AttentionKind.None;
        var dAtt = Seq2SeqPass.Ensure(ref p.AttentionalGradient, (long)n * hd).AsSpan(0, n * hd);
        dAtt.Clear();
        LinearBackward(n, hd, TargetCount, p.Attentional, p.LogitsGradient, _output, _outputBias, dAtt, p);
        if (Encoder is not null)
        {
            Seq2SeqPass.Ensure(ref p.EncoderOutputGradient, (long)b * s * o.EncoderOutputSize).AsSpan(0, b * s * o.EncoderOutputSize).Clear();
            if (attention)
            {
                Seq2SeqPass.Ensure(ref p.KeysGradient, (long)b * s * KeySize).AsSpan(0, b * s * KeySize).Clear();
            }
        }
        long state = (long)ld * b * hd;
        Seq2SeqPass.Ensure(ref p.StateGradient, state).AsSpan(0, (int)state).Clear();
        Seq2SeqPass.Ensure(ref p.CellGradient, state).AsSpan(0, (int)state).Clear();
        Seq2SeqPass.Ensure(ref p.NextStateGradient, state);
        Seq2SeqPass.Ensure(ref p.NextCellGradient, state);
        var dh = Seq2SeqPass.Ensure(ref p.HiddenGradient, (long)b * hd);
        var dx = Seq2SeqPass.Ensure(ref p.StepInputGradient, (long)b * din);
        var dCombined = attention ? Seq2SeqPass.Ensure(ref p.CombinedGradient, (long)b * cw) : [];
        // d pre-tanh of the combine layer for every packed row: its weight gradient is one product after the steps.
        var preAll = attention ? Seq2SeqPass.Ensure(ref p.CombinePreGradient, (long)n * hd) : [];
        var dTable = G(_targetEmbedding);
        bool batchWeights = Decoder.CanBatchStepWeightGradients(p.DecoderWork, t);
        for (int step = t - 1; step >= 0; step--)
        {
            int rows = p.Active[step], row0 = p.Offset[step], after = step + 1 < t ? p.Active[step + 1] : 0;
            Expand(p.StateGradient, ld, after, rows, hd);
            Expand(p.CellGradient, ld, after, rows, hd);
            var dStep = dAtt.Slice(row0 * hd, rows * hd);
            if (attention)
            {
                var combined = p.Combined.AsSpan(row0 * cw, rows * cw);
                var pre = preAll.AsSpan(row0 * hd, rows * hd);
                TanhBackward(p.Attentional.AsSpan(row0 * hd, rows * hd), dStep, pre);
                var dc = dCombined.AsSpan(0, rows * cw);
                Gemm.Multiply(false, false, rows, cw, hd, pre, hd, W(_combine!), cw, dc, cw, accumulate: false);
                AttendBackward(p, p.Identity, rows, combined, p.Weights.AsSpan(row0 * s, rows * s),
                    o.Attention == AttentionKind.Additive ? p.Hyper.AsSpan(row0 * s * a, rows * s * a) : default, dc);
                for (int r = 0; r < rows; r++)
                {
                    dc.Slice(r * cw + o.EncoderOutputSize, hd).CopyTo(dh.AsSpan(r * hd, hd));
                }
            }
            else
            {
                dStep.CopyTo(dh);
            }
            int st = ld * rows * hd;
            dx.AsSpan(0, rows * din).Clear();
            p.NextStateGradient.AsSpan(0, st).Clear();
            p.NextCellGradient.AsSpan(0, st).Clear();
            Decoder.BackwardSelective(p.DecoderWork[step], dh.AsSpan(0, rows * hd), p.StateGradient.AsSpan(0, st),
                lstm ? p.CellGradient.AsSpan(0, st) : default, dx.AsSpan(0, rows * din), p.NextStateGradient.AsSpan(0, st),
                lstm ? p.NextCellGradient.AsSpan(0, st) : default, weightGradients: !batchWeights);
            (p.StateGradient, p.NextStateGradient) = (p.NextStateGradient, p.StateGradient);
            (p.CellGradient, p.NextCellGradient) = (p.NextCellGradient, p.CellGradient);
            for (int r = 0; r < rows; r++)
            {
                var row = dTable.Slice(p.InputTokens[row0 + r] * et, et);
                TensorPrimitives.Add(row, dx.AsSpan(r * din, et), row);
                if (o.FeedsInput && step > 0)
                {
                    var target = dAtt.Slice((p.Offset[step - 1] + r) * hd, hd);
                    TensorPrimitives.Add(target, dx.AsSpan(r * din + et, hd), target);
                }
            }
        }
        if (batchWeights)
        {
            Decoder.StepWeightGradients(p.DecoderWork, t, ref p.DecoderGates, ref p.DecoderInputs, ref p.DecoderHiddenIn, ref p.DecoderOnes);
        }
        if (attention)
        {
            // dW_c += pre^T [context; h] and db_c over every packed row at once.
            LinearBackward(n, cw, hd, p.Combined, preAll, _combine!, _combineBias, default, p);
        }
        EncodeBackward(p);
    }
}
