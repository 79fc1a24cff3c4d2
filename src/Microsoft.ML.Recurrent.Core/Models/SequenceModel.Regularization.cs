using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Models;

// The model's part of the AWD-LSTM regularisers (RegularizationOptions): embedding dropout, locked dropout on the
// embedding output and on what the head reads, forward and backward. Masks are drawn in a fixed order (embedding rows,
// input units, then the stack's, then output units), so a seed gives the same masks.
public sealed partial class SequenceModel
{
    /// <summary>Embedding dropout on the word part (E) of every packed step input (N, E + character features); token input only.</summary>
    private void MaskEmbeddingRows(ModelWorkspace ws, ReadOnlySpan<SequenceExample> batch, RegularizationOptions regularization, RandomSource random)
    {
        if (_embedding is null || regularization.EmbeddingDropout <= 0f)
        {
            return;
        }
        var layout = ws.Recurrent.Layout;
        int e = Options.EmbeddingSize, inSize = Options.StepInputSize;
        var x = ws.Recurrent.InputPacked.AsSpan(0, layout.TotalRows * inSize);
        // One mask over the vocabulary: dropping row v of the embedding drops word type v at every occurrence.
        int vocabulary = Options.VocabularySize;
        var rowMask = Buffers.Ensure(ref ws.EmbeddingMask, vocabulary).AsSpan(0, vocabulary);
        DropoutMask.Fill(rowMask, regularization.EmbeddingDropout, random);
        for (int b = 0; b < batch.Length; b++)
        {
            var tokens = batch[b].Tokens!;
            for (int t = 0; t < layout.Lengths[b]; t++)
            {
                var row = x.Slice(layout.RowOf(b, t) * inSize, e);
                TensorPrimitives.Multiply(row, rowMask[tokens[t]], row);
            }
        }
    }

    /// <summary>Locked input dropout over the whole step input (word embedding and character features); token input only.</summary>
    private void MaskInputUnits(ModelWorkspace ws, int count, RegularizationOptions regularization, RandomSource random)
    {
        if (_embedding is null || regularization.InputDropout <= 0f)
        {
            return;
        }
        var layout = ws.Recurrent.Layout;
        int inSize = Options.StepInputSize;
        var x = ws.Recurrent.InputPacked.AsSpan(0, layout.TotalRows * inSize);
        var unit = Buffers.Ensure(ref ws.InputMask, count * inSize).AsSpan(0, count * inSize);
        DropoutMask.Fill(unit, regularization.InputDropout, random);
        MaskRows(layout, unit, inSize, x);
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

    /// <summary>
    /// The step input's gradient through the masks of the forward pass. The locked input mask multiplies every row of
    /// dx in place (word and character parts); then dE[v] += rowMask[v] * dx[word part]. Returns the masked dx, which
    /// the character features read next.
    /// </summary>
    private ReadOnlySpan<float> EmbeddingBackwardMasked(ModelWorkspace ws, ReadOnlySpan<SequenceExample> batch, ReadOnlySpan<float> dInput, RegularizationOptions applied)
    {
        var layout = ws.Recurrent.Layout;
        int e = Options.EmbeddingSize, inSize = Options.StepInputSize;
        if (applied.InputDropout > 0f)
        {
            // dInput is the recurrent workspace's own gradient buffer; masking it in place saves a copy.
            var dx = ws.Recurrent.LayerGradient.AsSpan(0, dInput.Length);
            MaskRows(layout, ws.InputMask.AsSpan(0, batch.Length * inSize), inSize, dx);
            dInput = dx;
        }
        var dEmbedding = Parameters.GetGradients(_embedding!);
        bool rows = applied.EmbeddingDropout > 0f;
        for (int b = 0; b < batch.Length; b++)
        {
            var tokens = batch[b].Tokens!;
            for (int t = 0; t < layout.Lengths[b]; t++)
            {
                var g = dInput.Slice(layout.RowOf(b, t) * inSize, e);
                var dst = dEmbedding.Slice(tokens[t] * e, e);
                TensorPrimitives.MultiplyAdd(g, rows ? ws.EmbeddingMask[tokens[t]] : 1f, dst, dst);
            }
        }
        return dInput;
    }
}
