namespace Microsoft.ML.Recurrent.Models;

/// <summary>
/// A naive Bayes start for the n-gram ensemble's linear part. Multinomial naive Bayes over binarised unigrams and bigrams is
/// one of the strongest classifiers of short sentiment texts (Wang and Manning 2012, "Baselines and bigrams"), ahead of a
/// logistic regression over the same features trained from zero on a few thousand rows. Started from it, the n-gram part
/// either stays naive Bayes (<see cref="Training.TrainerOptions.FreezeNgrams"/>, the text classifiers' default) or
/// trains on as a logistic regression, stopped early on its own held-out loss.
/// </summary>
public sealed partial class SequenceModel
{
    /// <summary>
    /// Sets the n-gram part of an n-gram ensemble (<see cref="SequenceModelOptions.NgramEnsemble"/>) to multinomial naive
    /// Bayes estimated from <paramref name="examples"/>, with each n-gram counted once per sequence (binarised) and
    /// add-<paramref name="smoothing"/> (Laplace) smoothing over the buckets that occur:
    /// <code>
    /// ngram.weight[b, c] = log((smoothing + n[b, c]) / (smoothing * B + N[c])),  ngram.bias[c] = log((1 + m[c]) / (M + C)) / sqrt(K̄)
    /// </code>
    /// where n[b, c] counts the sequences of class c holding an n-gram of bucket b, N[c] sums them over b, B is the number of
    /// buckets that occur, m[c] the sequences of class c out of M, and K̄ the mean number of n-gram occurrences per counted
    /// sequence. The model divides each sequence's sum of n-gram weights by the square root of its occurrences (K), so the
    /// class prior is divided likewise, by the typical K: for a sequence of typical length, prior and n-gram evidence then
    /// weigh against each other as in naive Bayes (an undivided prior outweighed the evidence of long texts, and on an
    /// imbalanced set of comments of about 120 n-grams it cost 3 points of accuracy; a balanced set has a prior of 0).
    /// Each bucket's weights and the bias are centred across the classes (the softmax does not change), and buckets that no
    /// sequence fills stay 0, so an n-gram never seen in training adds nothing. Only the n-gram part changes; the recurrent
    /// part keeps its initial weights.
    /// </summary>
    /// <param name="examples">Labelled token sequences (labels in 0..OutputSize-1; unlabelled ones, label -1, are skipped).</param>
    /// <param name="smoothing">The additive smoothing, above 0 and finite. Default 1.</param>
    /// <exception cref="InvalidOperationException">The model is not an n-gram ensemble.</exception>
    /// <exception cref="ArgumentException">A sequence has no tokens or a label out of range.</exception>
    public void InitializeNgramsWithNaiveBayes(IReadOnlyList<SequenceExample> examples, double smoothing = 1.0)
    {
        ArgumentNullException.ThrowIfNull(examples);
        if (!Options.NgramEnsemble || _ngramWeight is null || _ngramBias is null)
        {
            throw new InvalidOperationException("A naive Bayes start needs an n-gram ensemble (NgramEnsemble with NgramBuckets > 0).");
        }
        if (!(smoothing > 0) || double.IsInfinity(smoothing))
        {
            throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "The smoothing must be above 0 and finite.");
        }
        int classes = Options.HeadOutputs, buckets = Options.NgramBuckets;
        var counts = new double[(long)buckets * classes];
        var perClass = new double[classes];
        var sequences = new double[classes];
        var seen = new HashSet<int>();
        int[] occurrences = [];
        double occurrenceSum = 0;
        foreach (var example in examples)
        {
            if (example.Label < 0)
            {
                continue;
            }
            if (example.Label >= classes)
            {
                throw new ArgumentException($"A label is {example.Label}; the model has {classes} classes (labels 0 to {classes - 1}).", nameof(examples));
            }
            var tokens = example.Tokens ?? throw new ArgumentException("Every example needs tokens.", nameof(examples));
            int count = NgramCount(tokens.Length);
            if (occurrences.Length < count)
            {
                occurrences = new int[count];
            }
            seen.Clear();
            foreach (int bucket in occurrences.AsSpan(0, NgramsOf(tokens, occurrences)))
            {
                if (seen.Add(bucket))
                {
                    counts[(long)bucket * classes + example.Label]++;
                }
            }
            perClass[example.Label] += seen.Count;
            sequences[example.Label]++;
            occurrenceSum += count;
        }
        int used = 0;
        for (int b = 0; b < buckets; b++)
        {
            used += Occurs(counts.AsSpan(b * classes, classes)) ? 1 : 0;
        }
        var weight = Parameters.GetValues(_ngramWeight);
        Span<double> row = classes <= 256 ? stackalloc double[classes] : new double[classes];
        for (int b = 0; b < buckets; b++)
        {
            var n = counts.AsSpan(b * classes, classes);
            if (!Occurs(n))
            {
                weight.Slice(b * classes, classes).Clear();
                continue;
            }
            for (int c = 0; c < classes; c++)
            {
                row[c] = Math.Log((smoothing + n[c]) / (smoothing * used + perClass[c]));
            }
            Centre(row, weight.Slice(b * classes, classes));
        }
        double total = 0;
        foreach (double m in sequences)
        {
            total += m;
        }
        double priorScale = 1 / Math.Sqrt(Math.Max(1, occurrenceSum / Math.Max(1, total)));
        for (int c = 0; c < classes; c++)
        {
            row[c] = Math.Log((1 + sequences[c]) / (total + classes)) * priorScale;
        }
        Centre(row, Parameters.GetValues(_ngramBias));
    }

    private static bool Occurs(ReadOnlySpan<double> counts)
    {
        foreach (double n in counts)
        {
            if (n > 0)
            {
                return true;
            }
        }
        return false;
    }

    private static void Centre(ReadOnlySpan<double> values, Span<float> destination)
    {
        double mean = 0;
        foreach (double v in values)
        {
            mean += v;
        }
        mean /= values.Length;
        for (int c = 0; c < values.Length; c++)
        {
            destination[c] = (float)(values[c] - mean);
        }
    }
}
