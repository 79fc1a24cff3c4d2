using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Models;

// The model's part of the AWD-LSTM regularisers (RegularizationOptions): embedding dropout, locked dropout on the
// embedding output and on what the head reads, forward and backward. Masks are drawn in a fixed order (embedding rows,
// input units, then the stack's, then output units), so a seed gives the same masks.
public sealed partial class SequenceModel
{
    /// <summary>Embedding dropout and locked input dropout on the packed embedding output (N, E); token input only.</summary>
    private void MaskInput(ModelWorkspace ws, ReadOnlySpan<SequenceExample> batch, RegularizationOptions regularization, RandomSource random)
    {
        if (_embedding is null)
        {
            return;
        }
        var layout = ws.Recurrent.Layout;
        int e = Options.EmbeddingSize, count = batch.Length;
        var x = ws.Recurrent.InputPacked.AsSpan(0, layout.TotalRows * e);
        if (regularization.EmbeddingDropout > 0f)
        {
            // One mask over the vocabulary: dropping row v of the embedding drops word type v at every occurrence.
            int vocabulary = Options.VocabularySize;
            var rowMask = Buffers.Ensure(ref ws.EmbeddingMask, vocabulary).AsSpan(0, vocabulary);
            DropoutMask.Fill(rowMask, regularization.EmbeddingDropout, random);
            for (int b = 0; b < count; b++)
            {
                var tokens = batch[b].Tokens!;
                for (int t = 0; t < layout.Lengths[b]; t++)
                {
                    var row = x.Slice(layout.RowOf(b, t) * e, e);
                    TensorPrimitives.Multiply(row, rowMask[tokens[t]], row);
                }
            }
        }
        if (regularization.InputDropout > 0f)
        {
            var unit = Buffers.Ensure(ref ws.InputMask, count * e).AsSpan(0, count * e);
            DropoutMask.Fill(unit, regularization.InputDropout, random);
            MaskRows(layout, unit, e, x);
        }
    }

    /// <summary>Locked dropout on the head's input: every step's top output (per-step heads) or the pooled summary.</summary>
    private static void MaskOutput(ModelWorkspace ws, float p, RandomSource random, Span<float> headInput, bool perStep)
    {
        var layout = ws.Recurrent.Layout;
        int count = layout.Batch, width = headInput.Length / (perStep ? layout.TotalRows : count);
        var unit = Buffers.Ensure(ref ws.OutputMask, count * width).AsSpan(0, count * width);
        DropoutMask.Fill(unit, p, random);
        if (perStep)
        {
            MaskRows(layout, unit, width, headInput);
        }
        else
        {
            TensorPrimitives.Multiply(headInput, unit, headInput);
        }
    }

    /// <summary>Multiplies every packed row (N, width) of sequence b by row b of <paramref name="perSequence"/> (B, width).</summary>
    private static void MaskRows(PackedLayout layout, ReadOnlySpan<float> perSequence, int width, Span<float> packed)
    {
        var lengths = layout.Lengths;
        for (int b = 0; b < lengths.Length; b++)
        {
            var mask = perSequence.Slice(b * width, width);
            for (int t = 0; t < lengths[b]; t++)
            {
                var row = packed.Slice(layout.RowOf(b, t) * width, width);
                TensorPrimitives.Multiply(row, mask, row);
            }
        }
    }

    /// <summary>The embedding's gradient through the masks of the forward pass: dE[v] += rowMask[v] * (inputMask[b] * dx).</summary>
    private void EmbeddingBackwardMasked(ModelWorkspace ws, ReadOnlySpan<SequenceExample> batch, ReadOnlySpan<float> dInput, RegularizationOptions applied)
    {
        var layout = ws.Recurrent.Layout;
        int e = Options.EmbeddingSize;
        var dEmbedding = Parameters.GetGradients(_embedding!);
        var scratch = Buffers.Ensure(ref ws.RowScratch, e).AsSpan(0, e);
        bool rows = applied.EmbeddingDropout > 0f, locked = applied.InputDropout > 0f;
        for (int b = 0; b < batch.Length; b++)
        {
            var tokens = batch[b].Tokens!;
            for (int t = 0; t < layout.Lengths[b]; t++)
            {
                ReadOnlySpan<float> g = dInput.Slice(layout.RowOf(b, t) * e, e);
                if (locked)
                {
                    TensorPrimitives.Multiply(g, ws.InputMask.AsSpan(b * e, e), scratch);
                    g = scratch;
                }
                var dst = dEmbedding.Slice(tokens[t] * e, e);
                if (rows)
                {
                    TensorPrimitives.MultiplyAdd(g, ws.EmbeddingMask[tokens[t]], dst, dst);
                }
                else
                {
                    TensorPrimitives.Add(dst, g, dst);
                }
            }
        }
    }
}
