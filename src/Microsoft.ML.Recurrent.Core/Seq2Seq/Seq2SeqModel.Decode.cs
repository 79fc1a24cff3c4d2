using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Seq2Seq;

// Decoding: greedy (all inputs of a call as one batch) and beam search (one input at a time, its beams as the batch).
public sealed partial class Seq2SeqModel
{
    /// <summary>Decodes one input.</summary>
    /// <param name="source">Source token ids (empty for a model without a source).</param>
    /// <param name="features">The feature vector, or null when the model has none.</param>
    /// <param name="options">The search; null for greedy with the default maximum length.</param>
    /// <returns>The output tokens with their attention weights.</returns>
    public Seq2SeqPrediction Decode(int[] source, float[]? features = null, Seq2SeqDecodeOptions? options = null) =>
        Decode([new Seq2SeqExample(source, [], features)], options)[0];

    /// <summary>Decodes several inputs (their targets are ignored); greedy decoding runs them as one batch.</summary>
    /// <param name="inputs">The inputs.</param>
    /// <param name="options">The search; null for greedy with the default maximum length.</param>
    /// <returns>One prediction per input, in order.</returns>
    /// <exception cref="ArgumentException">An input does not fit the model (ids out of range, empty source, feature count).</exception>
    public IReadOnlyList<Seq2SeqPrediction> Decode(IReadOnlyList<Seq2SeqExample> inputs, Seq2SeqDecodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        options ??= new Seq2SeqDecodeOptions();
        options.Validate();
        var checkedInputs = inputs.Select(e => e with { Target = [] }).ToArray();
        foreach (var input in checkedInputs)
        {
            CheckExample(input, nameof(inputs));
        }
        if (checkedInputs.Length == 0)
        {
            return [];
        }
        var pass = RentPass();
        try
        {
            return options.BeamWidth == 1 ? Greedy(pass, checkedInputs, options) : [.. checkedInputs.Select(e => Beam(pass, e, options))];
        }
        finally
        {
            ReturnPass(pass);
        }
    }

    private Seq2SeqPrediction[] Greedy(Seq2SeqPass p, Seq2SeqExample[] inputs, Seq2SeqDecodeOptions options)
    {
        int b = inputs.Length, v = TargetCount;
        Encode(p, inputs, _ => 1);
        LoadInitialState(p, p.Identity, b);
        var tokens = new List<int>[b];
        var attention = new List<float[]>[b];
        var logp = new double[b];
        var done = new bool[b];
        var finished = new bool[b];
        var last = Enumerable.Repeat(TargetVocabulary.BeginId, b).ToArray();
        int longest = inputs.Max(e => options.MaxLengthFor(e.Source.Length));
        for (int i = 0; i < b; i++)
        {
            (tokens[i], attention[i]) = ([], []);
        }
        for (int step = 0; step <= longest && done.Contains(false); step++)
        {
            Step(p, b, last, step == 0, p.Identity);
            for (int r = 0; r < b; r++)
            {
                if (done[r])
                {
                    continue;
                }
                var z = p.Logits.AsSpan(r * v, v);
                int best = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(z);
                logp[r] += z[best] - LogSumExp(z);
                attention[r].Add(AttentionRow(p, r, r));
                if (best == TargetVocabulary.EndId)
                {
                    (done[r], finished[r]) = (true, true);
                }
                else
                {
                    tokens[r].Add(best);
                    last[r] = best;
                    done[r] = tokens[r].Count >= options.MaxLengthFor(inputs[r].Source.Length);
                }
            }
        }
        return [.. Enumerable.Range(0, b).Select(r => new Seq2SeqPrediction([.. tokens[r]], [.. attention[r]], logp[r], finished[r]))];
    }

    /// <summary>One inference step for <paramref name="rows"/> rows from the state in the pass; leaves logits in p.Logits.</summary>
    internal void Step(Seq2SeqPass p, int rows, ReadOnlySpan<int> tokens, bool first, ReadOnlySpan<int> memRow)
    {
        var o = Options;
        int hd = o.DecoderHiddenSize, s = p.SourceLength, a = o.AttentionSize;
        bool attention = o.Attention != AttentionKind.None, additive = o.Attention == AttentionKind.Additive;
        var combined = attention ? Seq2SeqPass.Ensure(ref p.Combined, (long)rows * CombinedWidth).AsSpan(0, rows * CombinedWidth) : default;
        var weights = attention ? Seq2SeqPass.Ensure(ref p.Weights, (long)rows * s).AsSpan(0, rows * s) : default;
        var query = additive ? Seq2SeqPass.Ensure(ref p.Query, (long)rows * a).AsSpan(0, rows * a) : default;
        var hyper = additive ? Seq2SeqPass.Ensure(ref p.Hyper, (long)rows * s * a).AsSpan(0, rows * s * a) : default;
        var attentional = Seq2SeqPass.Ensure(ref p.Attentional, (long)rows * hd).AsSpan(0, rows * hd);
        DecodeStep(p, p.DecoderInference, rows, tokens, first ? default : p.Feed.AsSpan(0, rows * hd), memRow, combined, weights, query, hyper, attentional);
        attentional.CopyTo(Seq2SeqPass.Ensure(ref p.Feed, (long)rows * hd));
        Project(rows, attentional, Seq2SeqPass.Ensure(ref p.Logits, (long)rows * TargetCount));
    }

    private float[] AttentionRow(Seq2SeqPass p, int row, int memory) =>
        Options.Attention == AttentionKind.None ? [] : p.Weights.AsSpan(row * p.SourceLength, p.SourceLengths[memory]).ToArray();

    private static double LogSumExp(ReadOnlySpan<float> z)
    {
        float max = System.Numerics.Tensors.TensorPrimitives.Max(z);
        double sum = 0;
        foreach (float x in z)
        {
            sum += Math.Exp(x - max);
        }
        return max + Math.Log(sum);
    }

    private sealed record Hypothesis(int[] Tokens, float[][] Attention, double LogProbability);

    internal Seq2SeqPrediction Beam(Seq2SeqPass p, Seq2SeqExample input, Seq2SeqDecodeOptions options)
    {
        int k = options.BeamWidth, v = TargetCount, hd = Options.DecoderHiddenSize, ld = Options.DecoderLayers;
        int maxLength = options.MaxLengthFor(input.Source.Length);
        Encode(p, [input], _ => 1);
        var memRow = new int[k];
        LoadInitialState(p, memRow, 1);
        List<Hypothesis> alive = [new([], [], 0)];
        List<(Hypothesis Hypothesis, bool Finished)> done = [];
        double Score(Hypothesis h) => h.LogProbability / Math.Pow(h.Tokens.Length + 1, options.LengthPenalty);
        for (int step = 0; ; step++)
        {
            int rows = alive.Count;
            Step(p, rows, [.. alive.Select(h => h.Tokens.Length == 0 ? TargetVocabulary.BeginId : h.Tokens[^1])], step == 0, memRow);
            var candidates = new List<(double LogP, int Row, int Token)>(rows * (k + 1));
            for (int r = 0; r < rows; r++)
            {
                var z = p.Logits.AsSpan(r * v, v);
                double lse = LogSumExp(z);
                foreach (int token in TopTokens(z, k + 1))
                {
                    candidates.Add((alive[r].LogProbability + z[token] - lse, r, token));
                }
            }
            candidates.Sort((x, y) => y.LogP.CompareTo(x.LogP));
            List<Hypothesis> next = [];
            var parents = new List<int>();
            foreach (var (logP, row, token) in candidates)
            {
                var h = alive[row];
                float[][] attention = [.. h.Attention, AttentionRow(p, row, 0)];
                if (token == TargetVocabulary.EndId)
                {
                    if (done.Count(d => d.Finished) < k)
                    {
                        done.Add((new Hypothesis(h.Tokens, attention, logP), true));
                    }
                }
                else if (next.Count < k)
                {
                    next.Add(new Hypothesis([.. h.Tokens, token], attention, logP));
                    parents.Add(row);
                }
                if (next.Count == k)
                {
                    break;
                }
            }
            if (done.Count(d => d.Finished) >= k || next.Count == 0 || next[0].Tokens.Length >= maxLength)
            {
                if (!done.Any(d => d.Finished))
                {
                    done.AddRange(next.Select(h => (h, false)));
                }
                break;
            }
            Seq2SeqPass.Ensure(ref p.NextHidden, (long)ld * k * hd);
            Seq2SeqPass.Ensure(ref p.NextCell, (long)ld * k * hd);
            Seq2SeqPass.Ensure(ref p.Attentional, (long)k * hd);
            Gather(p.Hidden, p.NextHidden, ld, rows, parents, hd);
            (p.Hidden, p.NextHidden) = (p.NextHidden, p.Hidden);
            if (Options.DecoderCell == RecurrentCellKind.Lstm)
            {
                Gather(p.Cell, p.NextCell, ld, rows, parents, hd);
                (p.Cell, p.NextCell) = (p.NextCell, p.Cell);
            }
            Gather(p.Feed, p.Attentional, 1, rows, parents, hd);
            (p.Feed, p.Attentional) = (p.Attentional, p.Feed);
            alive = next;
        }
        var best = done.MaxBy(d => Score(d.Hypothesis));
        return new Seq2SeqPrediction(best.Hypothesis.Tokens, best.Hypothesis.Attention, best.Hypothesis.LogProbability, best.Finished);
    }

    /// <summary>
    /// The <paramref name="count"/> most likely tokens, best first (a tie goes to the lower id; NaN ranks below every
    /// number): one pass with a small insertion list instead of sorting the whole vocabulary for every beam row and step.
    /// </summary>
    internal static int[] TopTokens(ReadOnlySpan<float> z, int count)
    {
        var top = new int[Math.Min(count, z.Length)];
        int filled = 0;
        for (int i = 0; i < z.Length; i++)
        {
            float x = z[i];
            if (filled == top.Length && !Ranks(x, z[top[^1]]))
            {
                continue;
            }
            int j = filled < top.Length ? filled++ : top.Length - 1;
            for (; j > 0 && Ranks(x, z[top[j - 1]]); j--)
            {
                top[j] = top[j - 1];
            }
            top[j] = i;
        }
        return top;
    }

    // Whether a later token with logit x goes before one with logit y (strictly better; NaN is worst).
    private static bool Ranks(float x, float y) => x > y || (float.IsNaN(y) && !float.IsNaN(x));

    // (layers, rows, hd) -> (layers, parents.Count, hd), row i of each layer from row parents[i].
    private static void Gather(float[] source, float[] target, int layers, int rows, List<int> parents, int hd)
    {
        int k = parents.Count;
        for (int l = 0; l < layers; l++)
        {
            for (int i = 0; i < k; i++)
            {
                source.AsSpan((l * rows + parents[i]) * hd, hd).CopyTo(target.AsSpan((l * k + i) * hd, hd));
            }
        }
    }
}
