using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Seq2Seq;

// One decoder step for n rows: the input (embedding, and the previous attentional state with input feeding), the stacked
// recurrent cell from the states in p.Hidden/p.Cell (Ld, n, Hd), attention and the attentional state
// h~ = tanh(W_c [context; h] + b_c) (h itself without attention).
public sealed partial class Seq2SeqModel
{
    internal int DecoderInputSize => Options.TargetEmbeddingSize + (Options.FeedsInput ? Options.DecoderHiddenSize : 0);

    internal int CombinedWidth => Options.EncoderOutputSize + Options.DecoderHiddenSize;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // once per batch: hot from the first call, not after tiering
    internal void DecodeStep(Seq2SeqPass p, RecurrentWorkspace ws, int n, ReadOnlySpan<int> tokens, ReadOnlySpan<float> feed,
        ReadOnlySpan<int> memRow, Span<float> combined, Span<float> weights, Span<float> query, Span<float> hyper, Span<float> attentional)
    {
        var o = Options;
        int et = o.TargetEmbeddingSize, hd = o.DecoderHiddenSize, din = DecoderInputSize, ld = o.DecoderLayers;
        bool lstm = o.DecoderCell == RecurrentCellKind.Lstm;
        var x = Seq2SeqPass.Ensure(ref p.StepInput, (long)n * din).AsSpan(0, n * din);
        var table = W(_targetEmbedding);
        for (int r = 0; r < n; r++)
        {
            table.Slice(tokens[r] * et, et).CopyTo(x.Slice(r * din, et));
            if (o.FeedsInput)
            {
                var target = x.Slice(r * din + et, hd);
                if (feed.IsEmpty)
                {
                    target.Clear();
                }
                else
                {
                    feed.Slice(r * hd, hd).CopyTo(target);
                }
            }
        }
        int state = ld * n * hd;
        var output = Seq2SeqPass.Ensure(ref p.StepOutput, (long)n * hd).AsSpan(0, n * hd);
        Seq2SeqPass.Ensure(ref p.NextHidden, state);
        Seq2SeqPass.Ensure(ref p.NextCell, state);
        Decoder.Forward(ws, x, n, 1, default, p.Hidden.AsSpan(0, state), lstm ? p.Cell.AsSpan(0, state) : default,
            output, p.NextHidden.AsSpan(0, state), lstm ? p.NextCell.AsSpan(0, state) : default);
        (p.Hidden, p.NextHidden) = (p.NextHidden, p.Hidden);
        (p.Cell, p.NextCell) = (p.NextCell, p.Cell);
        if (o.Attention == AttentionKind.None)
        {
            output.CopyTo(attentional);
            return;
        }
        int de = o.EncoderOutputSize, cw = de + hd;
        for (int r = 0; r < n; r++)
        {
            output.Slice(r * hd, hd).CopyTo(combined.Slice(r * cw + de, hd));
        }
        AttendForward(p, memRow, n, combined, weights, query, hyper);
        Gemm.Multiply(false, true, n, hd, cw, combined, cw, W(_combine!), cw, attentional, hd, accumulate: false, W(_combineBias!));
        TensorPrimitives.Tanh(attentional[..(n * hd)], attentional[..(n * hd)]);
    }

    /// <summary>logits = h~ W_o^T + b_o for <paramref name="rows"/> rows.</summary>
    internal void Project(int rows, ReadOnlySpan<float> attentional, Span<float> logits)
    {
        int hd = Options.DecoderHiddenSize, v = TargetCount;
        Gemm.Multiply(false, true, rows, v, hd, attentional, hd, W(_output), hd, logits, v, accumulate: false, W(_outputBias));
    }

    /// <summary>Copies the initial states (Ld, B, Hd) into the step state, keeping rows <paramref name="rows"/> of each layer.</summary>
    internal void LoadInitialState(Seq2SeqPass p, ReadOnlySpan<int> memRow, int rows)
    {
        int hd = Options.DecoderHiddenSize, ld = Options.DecoderLayers, b = p.Batch;
        Seq2SeqPass.Ensure(ref p.Hidden, (long)ld * rows * hd);
        Seq2SeqPass.Ensure(ref p.Cell, (long)ld * rows * hd);
        for (int l = 0; l < ld; l++)
        {
            for (int r = 0; r < rows; r++)
            {
                p.InitialHidden.AsSpan((l * b + memRow[r]) * hd, hd).CopyTo(p.Hidden.AsSpan((l * rows + r) * hd, hd));
                p.InitialCell.AsSpan((l * b + memRow[r]) * hd, hd).CopyTo(p.Cell.AsSpan((l * rows + r) * hd, hd));
            }
        }
    }

    /// <summary>(Ld, from, Hd) to (Ld, to, Hd) in place, keeping the first <paramref name="to"/> rows of each layer (to &lt;= from).</summary>
    internal static void Compact(float[] buffer, int layers, int from, int to, int hd)
    {
        for (int l = 1; l < layers && to < from; l++)
        {
            buffer.AsSpan(l * from * hd, to * hd).CopyTo(buffer.AsSpan(l * to * hd));
        }
    }

    /// <summary>(Ld, from, Hd) to (Ld, to, Hd) in place, the new rows zero (to &gt;= from).</summary>
    internal static void Expand(float[] buffer, int layers, int from, int to, int hd)
    {
        for (int l = layers - 1; l >= 0; l--)
        {
            buffer.AsSpan(l * from * hd, from * hd).CopyTo(buffer.AsSpan(l * to * hd));
            buffer.AsSpan((l * to + from) * hd, (to - from) * hd).Clear();
        }
    }
}
