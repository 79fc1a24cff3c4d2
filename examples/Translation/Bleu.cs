// Corpus BLEU-4 (Papineni et al. 2002, as multi-bleu.perl and sacreBLEU compute it without smoothing): n-gram matches
// clipped by the most times the n-gram occurs in any one reference, summed over the corpus before the precisions are
// taken; the brevity penalty compares the hypotheses' total length with the sum, over sentences, of the reference
// length closest to each hypothesis (the shorter one on a tie). Any order without a match makes the score 0.
using System.Globalization;

/// <summary>A corpus BLEU score and its parts.</summary>
/// <param name="Score">BLEU on the 0..100 scale (sacreBLEU's).</param>
/// <param name="Precisions">The modified n-gram precisions p_1..p_N (0..1).</param>
/// <param name="BrevityPenalty">min(1, exp(1 - r / c)); 0 when the hypotheses are all empty.</param>
/// <param name="HypothesisLength">c: the hypotheses' tokens.</param>
/// <param name="ReferenceLength">r: the summed closest reference lengths.</param>
internal sealed record BleuScore(double Score, double[] Precisions, double BrevityPenalty, long HypothesisLength, long ReferenceLength)
{
    /// <summary>sacreBLEU's summary line: score, precisions in percent, brevity penalty, length ratio and lengths.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"BLEU = {Score:F2} {string.Join('/', Precisions.Select(p => (100 * p).ToString("F1", CultureInfo.InvariantCulture)))} (BP = {BrevityPenalty:F3} ratio = {(double)HypothesisLength / Math.Max(1, ReferenceLength):F3} hyp_len = {HypothesisLength} ref_len = {ReferenceLength})");
}

internal static class Bleu
{
    /// <summary>Corpus BLEU of tokenised hypotheses against one or more tokenised references each.</summary>
    /// <param name="hypotheses">One token sequence per sentence.</param>
    /// <param name="references">Per sentence, at least one reference token sequence.</param>
    /// <param name="maxOrder">The longest n-gram counted (4 for BLEU-4).</param>
    public static BleuScore Corpus(IReadOnlyList<string[]> hypotheses, IReadOnlyList<IReadOnlyList<string[]>> references, int maxOrder = 4)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(references.Count, hypotheses.Count, nameof(references));
        var matches = new long[maxOrder];
        var totals = new long[maxOrder];
        long c = 0, r = 0;
        for (int i = 0; i < hypotheses.Count; i++)
        {
            var hypothesis = hypotheses[i];
            var refs = references[i];
            if (refs.Count == 0)
            {
                throw new ArgumentException($"Sentence {i} has no reference.", nameof(references));
            }
            c += hypothesis.Length;
            r += ClosestLength(hypothesis.Length, refs);
            for (int n = 1; n <= maxOrder; n++)
            {
                var counts = NGrams(hypothesis, n);
                var most = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var reference in refs)
                {
                    foreach (var (gram, count) in NGrams(reference, n))
                    {
                        most[gram] = Math.Max(count, most.GetValueOrDefault(gram));
                    }
                }
                foreach (var (gram, count) in counts)
                {
                    matches[n - 1] += Math.Min(count, most.GetValueOrDefault(gram));
                }
                totals[n - 1] += Math.Max(0, hypothesis.Length - n + 1);
            }
        }
        var precisions = new double[maxOrder];
        double logSum = 0;
        for (int n = 0; n < maxOrder; n++)
        {
            precisions[n] = totals[n] == 0 ? 0 : (double)matches[n] / totals[n];
            logSum += precisions[n] > 0 ? Math.Log(precisions[n]) : double.NegativeInfinity;
        }
        double penalty = c == 0 ? 0 : c > r ? 1 : Math.Exp(1 - (double)r / c);
        double score = double.IsNegativeInfinity(logSum) ? 0 : 100 * penalty * Math.Exp(logSum / maxOrder);
        return new BleuScore(score, precisions, penalty, c, r);
    }

    /// <summary>The reference length closest to <paramref name="length"/>; the shorter of two equally close.</summary>
    internal static int ClosestLength(int length, IReadOnlyList<string[]> references)
    {
        int best = references[0].Length;
        foreach (var reference in references)
        {
            int d = Math.Abs(reference.Length - length), bestD = Math.Abs(best - length);
            if (d < bestD || (d == bestD && reference.Length < best))
            {
                best = reference.Length;
            }
        }
        return best;
    }

    // n-grams as their tokens joined by a separator no token contains (tokens are whitespace-free).
    private static Dictionary<string, int> NGrams(string[] tokens, int n)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i + n <= tokens.Length; i++)
        {
            string gram = string.Join(' ', tokens, i, n);
            counts[gram] = counts.GetValueOrDefault(gram) + 1;
        }
        return counts;
    }
}
