using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Generation;

/// <summary>
/// Picks the next token from a language model's logits: greedy (arg-max), or sampling with temperature,
/// top-k and top-p (nucleus) filtering, applied in that order as Hugging Face's generate does.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Temperature 0 means greedy decoding (top-k and top-p are then irrelevant); above 0 the logits are divided by it.</item>
/// <item>Top-k keeps the k most probable tokens; 0 turns it off.</item>
/// <item>Top-p keeps the smallest set of most probable tokens whose cumulative probability (renormalised after
/// top-k) is at least p, and always at least one token; 1 turns it off.</item>
/// </list>
/// Ties are ordered deterministically, so one seed always gives the same tokens for the same logits.
/// A sampler owns its random state and scratch buffers: it is not thread-safe (use one per thread), and
/// <see cref="Sample"/> allocates nothing once its buffers fit the vocabulary.
/// </remarks>
public sealed class TokenSampler
{
    private readonly RandomSource _random;
    private float[] _weights = [];
    private float[] _keys = [];
    private int[] _order = [];

    /// <summary>Creates a sampler.</summary>
    /// <param name="temperature">0 for greedy, else a finite value above 0. Default 1.</param>
    /// <param name="topK">Keep only the k most probable tokens; 0 for no limit. Default 0; allowed 0 or more.</param>
    /// <param name="topP">Nucleus mass in (0, 1]; 1 for no limit. Default 1.</param>
    /// <param name="seed">Seed of the random choices (same seed, same logits: same tokens); null for a random seed.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its allowed range.</exception>
    public TokenSampler(float temperature = 1f, int topK = 0, float topP = 1f, int? seed = null)
    {
        Validate(temperature, topK, topP, nameof(temperature), nameof(topK), nameof(topP));
        Temperature = temperature;
        TopK = topK;
        TopP = topP;
        _random = new RandomSource(seed is int s ? (ulong)(uint)s : (ulong)Random.Shared.NextInt64());
    }

    /// <summary>The temperature; 0 means greedy.</summary>
    public float Temperature { get; }

    /// <summary>The top-k limit; 0 means none.</summary>
    public int TopK { get; }

    /// <summary>The nucleus mass; 1 means none.</summary>
    public float TopP { get; }

    /// <summary>Whether this sampler always takes the arg-max.</summary>
    public bool IsGreedy => Temperature == 0f;

    /// <summary>The index of the largest logit (the first one when several are equal).</summary>
    /// <param name="logits">At least one value.</param>
    /// <returns>The arg-max.</returns>
    /// <exception cref="ArgumentException">The span is empty.</exception>
    public static int Greedy(ReadOnlySpan<float> logits)
    {
        if (logits.IsEmpty)
        {
            throw new ArgumentException("logits is empty; at least one value is needed.", nameof(logits));
        }
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }
        return best;
    }

    /// <summary>Draws one token index from the filtered, temperature-scaled softmax of <paramref name="logits"/>.</summary>
    /// <param name="logits">The unnormalised scores of every token, at least one; -infinity masks a token out.</param>
    /// <returns>An index into <paramref name="logits"/>.</returns>
    /// <exception cref="ArgumentException">The span is empty.</exception>
    public int Sample(ReadOnlySpan<float> logits)
    {
        if (IsGreedy || logits.Length == 1)
        {
            return Greedy(logits);
        }
        int v = logits.Length;
        if (_weights.Length < v)
        {
            _weights = new float[v];
            _keys = new float[v];
            _order = new int[v];
        }
        // Unnormalised probabilities exp((l - max) / T), in (0, 1]; the largest is exactly 1.
        var w = _weights.AsSpan(0, v);
        float max = TensorPrimitives.Max(logits);
        if (!float.IsFinite(max))
        {
            return Greedy(logits);
        }
        TensorPrimitives.Subtract(logits, max, w);
        TensorPrimitives.Multiply(w, 1f / Temperature, w);
        TensorPrimitives.Exp(w, w);

        bool filter = (TopK > 0 && TopK < v) || TopP < 1f;
        if (!filter)
        {
            return Draw(w, default);
        }
        var order = _order.AsSpan(0, v);
        var keys = _keys.AsSpan(0, v);
        for (int i = 0; i < v; i++)
        {
            order[i] = i;
            keys[i] = -w[i];
        }
        // Most probable first; equal keys break by index so that the order never depends on the sort.
        keys.Sort(order);
        SortTiesByIndex(keys, order);
        int kept = TopK > 0 ? Math.Min(TopK, v) : v;
        if (TopP < 1f)
        {
            double total = 0;
            for (int i = 0; i < kept; i++)
            {
                total += w[order[i]];
            }
            double threshold = TopP * total, cumulative = 0;
            for (int i = 0; i < kept; i++)
            {
                cumulative += w[order[i]];
                if (cumulative >= threshold)
                {
                    kept = i + 1;
                    break;
                }
            }
        }
        return Draw(w, order[..kept]);
    }

    internal static void Validate(float temperature, int topK, float topP, string temperatureName, string topKName, string topPName)
    {
        if (!(temperature >= 0f && float.IsFinite(temperature)))
        {
            throw new ArgumentOutOfRangeException(temperatureName, temperature, "Temperature must be 0 (greedy decoding) or a finite number above 0.");
        }
        if (topK < 0)
        {
            throw new ArgumentOutOfRangeException(topKName, topK, "TopK must be 0 (no limit) or a positive number of tokens.");
        }
        if (!(topP > 0f && topP <= 1f))
        {
            throw new ArgumentOutOfRangeException(topPName, topP, "TopP must be in (0, 1]; 1 means no nucleus filtering.");
        }
    }

    // Inverse-CDF draw over the candidates (all tokens when empty), weighted by w.
    private int Draw(ReadOnlySpan<float> w, ReadOnlySpan<int> candidates)
    {
        int count = candidates.IsEmpty ? w.Length : candidates.Length;
        double total = 0;
        for (int i = 0; i < count; i++)
        {
            total += w[candidates.IsEmpty ? i : candidates[i]];
        }
        double u = _random.NextDouble() * total, cumulative = 0;
        int last = -1;
        for (int i = 0; i < count; i++)
        {
            int index = candidates.IsEmpty ? i : candidates[i];
            if (w[index] > 0f)
            {
                last = index;
                cumulative += w[index];
                if (u < cumulative)
                {
                    return index;
                }
            }
        }
        // Rounding left u at the very top: take the last candidate with weight.
        return last >= 0 ? last : (candidates.IsEmpty ? Greedy(w) : candidates[0]);
    }

    // The introsort is deterministic, but put equal keys in index order anyway so ties never depend on it.
    private static void SortTiesByIndex(ReadOnlySpan<float> keys, Span<int> order)
    {
        int start = 0;
        for (int i = 1; i <= keys.Length; i++)
        {
            if (i == keys.Length || keys[i] != keys[start])
            {
                if (i - start > 1)
                {
                    order[start..i].Sort();
                }
                start = i;
            }
        }
    }
}
