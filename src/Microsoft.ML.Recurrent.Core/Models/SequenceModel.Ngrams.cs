using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Models;

/// <summary>
/// The wide part of a wide-and-deep classifier (Cheng et al. 2016; the n-gram features of Wang and Manning 2012): a linear
/// model over the sequence's token n-grams, hashed into <see cref="SequenceModelOptions.NgramBuckets"/> buckets, whose
/// per-class weights add to the recurrent head's logits:
/// <code>
/// logits[c] = fc(pooled)[c] + (1 / sqrt(K)) sum over n = 1..N, i = 0..T-n of ngram.weight[bucket(tokens[i .. i+n-1]), c]
/// </code>
/// where K is the number of n-gram occurrences: the bag of n-grams is L2-normalised (as ML.NET's FeaturizeText does), so
/// long texts are not more confident for being long. Each occurrence counts (a repeated n-gram adds twice). The bucket of ids (t_1..t_n) is FNV-1a-like over 32-bit words
/// (<see cref="NgramBucket"/>), fixed by the model-file format. Parameter: <c>ngram.weight</c> (buckets, C), initialised
/// to zero (so the recurrent part draws the same initial numbers as without it) and trained with the rest, unless an
/// n-gram ensemble's part is kept as it starts (<see cref="Training.TrainerOptions.FreezeNgrams"/>).
/// Integrated gradients scale the n-gram features along the same path as the embeddings (0 at the baseline), so an
/// n-gram's attribution is exact and is shared equally by its tokens.
/// </summary>
public sealed partial class SequenceModel
{
    private ParameterInfo? _ngramWeight;

    internal ParameterInfo? NgramWeight => _ngramWeight;

    private void AddNgramParameters()
    {
        if (Options.UsesNgrams)
        {
            _ngramWeight = Parameters.Add("ngram.weight", Options.NgramBuckets, Options.HeadOutputs);
        }
        if (Options.NgramEnsemble)
        {
            _ngramBias = Parameters.Add("ngram.bias", Options.HeadOutputs);
        }
    }

    private void ResetNgramParameters()
    {
        if (_ngramWeight is not null)
        {
            Parameters.GetValues(_ngramWeight).Clear();
        }
        if (_ngramBias is not null)
        {
            Parameters.GetValues(_ngramBias).Clear();
        }
    }

    /// <summary>The bucket of an n-gram of token ids, 0..buckets-1: a mix of its length and ids (stable across versions: saved models depend on it).</summary>
    internal static int NgramBucket(ReadOnlySpan<int> ids, int buckets)
    {
        uint h = 0x811C9DC5u ^ ((uint)ids.Length * 0x9E3779B1u);
        foreach (int id in ids)
        {
            h = (h ^ (uint)id) * 0x01000193u;
            h ^= h >> 15;
            h *= 0x85EBCA6Bu;
        }
        h ^= h >> 16;
        return (int)(h % (uint)buckets);
    }

    /// <summary>The buckets of every n-gram occurrence of a sequence, n = 1..N, then position order; returns how many.</summary>
    private int NgramsOf(ReadOnlySpan<int> tokens, Span<int> destination)
    {
        int count = 0, buckets = Options.NgramBuckets;
        for (int n = 1; n <= Options.NgramMaxLength; n++)
        {
            for (int i = 0; i + n <= tokens.Length; i++)
            {
                destination[count++] = NgramBucket(tokens.Slice(i, n), buckets);
            }
        }
        return count;
    }

    // Occurrences of n-grams n = 1..N in a sequence of this length.
    private int NgramCount(int length)
    {
        int count = 0;
        for (int n = 1; n <= Options.NgramMaxLength; n++)
        {
            count += Math.Max(0, length - n + 1);
        }
        return count;
    }

    /// <summary>Each sequence's n-gram buckets (for the head's rows) and the scale of its features: 1/sqrt(occurrences), times the input scale.</summary>
    private void PrepareNgrams(ModelWorkspace ws, ReadOnlySpan<SequenceExample> batch, ReadOnlySpan<int> lengths, ReadOnlySpan<float> inputScales)
    {
        int count = batch.Length;
        var starts = ModelWorkspace.Ensure(ref ws.NgramStarts, count + 1);
        long total = 0;
        for (int b = 0; b < count; b++)
        {
            starts[b] = (int)total;
            total += NgramCount(lengths[b]);
        }
        if (total > Array.MaxLength)
        {
            throw new ArgumentException($"The batch has {total} n-gram occurrences, more than one array holds; use shorter sequences or smaller batches.");
        }
        starts[count] = (int)total;
        var ids = ModelWorkspace.Ensure(ref ws.NgramIds, (int)total);
        var scales = Engine.Buffers.Ensure(ref ws.NgramScales, count);
        for (int b = 0; b < count; b++)
        {
            NgramsOf(batch[b].Tokens.AsSpan(0, lengths[b]), ids.AsSpan(starts[b], starts[b + 1] - starts[b]));
            int occurrences = starts[b + 1] - starts[b];
            scales[b] = (inputScales.IsEmpty ? 1f : inputScales[b]) / MathF.Sqrt(Math.Max(1, occurrences));
        }
    }

    // logits (count, C) of rows r0.. += scale x the sum of each row's n-gram weights.
    private void AddNgramLogits(ModelWorkspace ws, int r0, int count, Span<float> logits)
    {
        int classes = Options.HeadOutputs;
        var weight = Parameters.GetValues(_ngramWeight!);
        Span<float> buffer = classes <= 256 ? stackalloc float[classes] : new float[classes];
        for (int r = 0; r < count; r++)
        {
            buffer.Clear();
            for (int k = ws.NgramStarts[r0 + r]; k < ws.NgramStarts[r0 + r + 1]; k++)
            {
                TensorPrimitives.Add(buffer, weight.Slice(ws.NgramIds[k] * classes, classes), buffer);
            }
            var row = logits.Slice(r * classes, classes);
            TensorPrimitives.MultiplyAdd(buffer, ws.NgramScales[r0 + r], row, row);
        }
    }

    // d ngram.weight[bucket] += scale x dLogits of the row, for every occurrence.
    private void NgramBackward(ModelWorkspace ws, int r0, int count, ReadOnlySpan<float> dLogits)
    {
        int classes = Options.HeadOutputs;
        var gradient = Parameters.GetGradients(_ngramWeight!);
        for (int r = 0; r < count; r++)
        {
            var dRow = dLogits.Slice(r * classes, classes);
            float scale = ws.NgramScales[r0 + r];
            for (int k = ws.NgramStarts[r0 + r]; k < ws.NgramStarts[r0 + r + 1]; k++)
            {
                var dst = gradient.Slice(ws.NgramIds[k] * classes, classes);
                TensorPrimitives.MultiplyAdd(dRow, scale, dst, dst);
            }
        }
    }

    /// <summary>
    /// Integrated gradients of the n-gram part, after <see cref="ScoreGradient"/>: for each n-gram occurrence of
    /// <paramref name="tokens"/>, the sum over the quadrature rows (rows firstRow + k, weight weights[k]) of
    /// dScore/dLogits · ngram.weight[bucket] / sqrt(occurrences), shared equally by its n tokens and added into
    /// <paramref name="values"/>.
    /// </summary>
    internal void AddNgramAttributions(ModelWorkspace ws, int[] tokens, int firstRow, ReadOnlySpan<double> weights, Span<float> values)
    {
        if (_ngramWeight is null)
        {
            return;
        }
        int classes = Options.HeadOutputs;
        var weight = Parameters.GetValues(_ngramWeight);
        // An ensemble's score gradient on the n-gram part's own logits (SplitEnsembleGradient), else on the shared logits.
        var dLogits = Options.NgramEnsemble ? ws.NgramLogitsGradient : ws.LogitsGradient;
        double norm = 1 / Math.Sqrt(Math.Max(1, NgramCount(tokens.Length)));
        for (int n = 1; n <= Options.NgramMaxLength; n++)
        {
            for (int i = 0; i + n <= tokens.Length; i++)
            {
                var w = weight.Slice(NgramBucket(tokens.AsSpan(i, n), Options.NgramBuckets) * classes, classes);
                double sum = 0;
                for (int k = 0; k < weights.Length; k++)
                {
                    sum += weights[k] * TensorPrimitives.Dot(dLogits.AsSpan((firstRow + k) * classes, classes), w);
                }
                for (int t = i; t < i + n; t++)
                {
                    values[t] += (float)(sum * norm / n);
                }
            }
        }
    }
}
