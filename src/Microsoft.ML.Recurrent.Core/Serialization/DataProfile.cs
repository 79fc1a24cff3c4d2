using System.Globalization;
using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.Serialization;

/// <summary>
/// What a model's data looked like: the lengths of its sequences (a histogram over power-of-two bins, and quantiles),
/// how many rows were longer than the model reads, how many tokens were unknown to the vocabulary, and for numeric
/// series the range of the values. Recorded from the training data into the model file's numbers
/// (<see cref="ToNumbers"/>, keys starting with <c>drift_</c>), validated whenever a file is read, and compared with new
/// data by <c>Explainability.DriftCheck</c>.
/// </summary>
public sealed class DataProfile
{
    /// <summary>Length bins: bin 0 holds lengths 0 and 1, bin i (1 to 9) lengths 2^(i-1)+1 to 2^i, bin 10 longer ones.</summary>
    public const int LengthBinCount = 11;

    private DataProfile(int rows, int maxLength, double truncatedShare, double unknownShare, double unseenShare, double[] lengthShares,
        double medianLength, double p90Length, double? seriesMin, double? seriesMax)
    {
        Rows = rows;
        MaxLength = maxLength;
        TruncatedShare = truncatedShare;
        UnknownShare = unknownShare;
        UnseenShare = unseenShare;
        LengthShares = lengthShares;
        MedianLength = medianLength;
        Percentile90Length = p90Length;
        SeriesMin = seriesMin;
        SeriesMax = seriesMax;
    }

    /// <summary>Rows profiled.</summary>
    public int Rows { get; }

    /// <summary>The model reads at most this many steps of a row; longer rows are truncated.</summary>
    public int MaxLength { get; }

    /// <summary>Share of rows longer than <see cref="MaxLength"/>.</summary>
    public double TruncatedShare { get; }

    /// <summary>Share of the tokens read that the vocabulary maps to UNK (0 for series).</summary>
    public double UnknownShare { get; }

    /// <summary>
    /// Share of the tokens read whose word occurs exactly once in these rows: the Good–Turing estimate of the share of
    /// new text from the same source that holds words never seen here (0 for series).
    /// </summary>
    public double UnseenShare { get; }

    /// <summary>
    /// The unknown-token share to expect on new data from the training domain: <see cref="UnknownShare"/> +
    /// <see cref="UnseenShare"/>, at most 1 (the training data's own share is biased low: its vocabulary was built on it).
    /// </summary>
    public double ExpectedUnknownShare => Math.Min(1, UnknownShare + UnseenShare);

    /// <summary>Share of rows in each length bin (<see cref="LengthBinCount"/> values summing to 1); lengths before truncation.</summary>
    public IReadOnlyList<double> LengthShares { get; }

    /// <summary>The median length (before truncation).</summary>
    public double MedianLength { get; }

    /// <summary>The 90th percentile of the lengths (before truncation).</summary>
    public double Percentile90Length { get; }

    /// <summary>The smallest series value (series models), else null.</summary>
    public double? SeriesMin { get; }

    /// <summary>The largest series value (series models), else null.</summary>
    public double? SeriesMax { get; }

    /// <summary>The length bin of a sequence length (see <see cref="LengthBinCount"/>).</summary>
    public static int LengthBin(int length) => length <= 1 ? 0 : Math.Min(LengthBinCount - 1, 32 - int.LeadingZeroCount(length - 1));

    /// <summary>Profiles token sequences (e.g. tokenized texts) against a vocabulary.</summary>
    /// <param name="vocabulary">The model's vocabulary (unknown tokens are those it maps to UNK).</param>
    /// <param name="rows">The tokens of each row.</param>
    /// <param name="maxLength">The model reads this many tokens of a row (1 or more).</param>
    /// <exception cref="ArgumentException">There are no rows.</exception>
    public static DataProfile FromTokens(Vocabulary vocabulary, IEnumerable<string[]> rows, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        var lengths = new List<int>();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        long read = 0, unknown = 0;
        foreach (var tokens in rows)
        {
            ArgumentNullException.ThrowIfNull(tokens, nameof(rows));
            lengths.Add(tokens.Length);
            int take = Math.Min(tokens.Length, maxLength);
            for (int t = 0; t < take; t++)
            {
                read++;
                if (vocabulary.GetId(tokens[t]) == vocabulary.UnknownId)
                {
                    unknown++;
                }
                counts[tokens[t]] = counts.GetValueOrDefault(tokens[t]) + 1;
            }
        }
        long once = counts.Values.Count(c => c == 1);
        return Create(lengths, maxLength, read == 0 ? 0 : (double)unknown / read, read == 0 ? 0 : (double)once / read, null, null, nameof(rows));
    }

    /// <summary>Profiles texts: tokenizes each with the model's tokenizer and profiles the tokens (<see cref="FromTokens"/>).</summary>
    public static DataProfile FromTexts(TextSequencer sequencer, IEnumerable<string> texts, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(sequencer);
        ArgumentNullException.ThrowIfNull(texts);
        return FromTokens(sequencer.Vocabulary, texts.Select(t => sequencer.Tokenizer.Tokenize(t ?? "")), maxLength);
    }

    /// <summary>Profiles numeric series (one value per step): lengths, truncation and the range of the finite values.</summary>
    public static DataProfile FromSeries(IEnumerable<float[]> series, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        var lengths = new List<int>();
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var values in series)
        {
            ArgumentNullException.ThrowIfNull(values, nameof(series));
            lengths.Add(values.Length);
            foreach (float v in values)
            {
                if (float.IsFinite(v))
                {
                    min = Math.Min(min, v);
                    max = Math.Max(max, v);
                }
            }
        }
        return min > max ? Create(lengths, maxLength, 0, 0, null, null, nameof(series)) : Create(lengths, maxLength, 0, 0, min, max, nameof(series));
    }

    private static DataProfile Create(List<int> lengths, int maxLength, double unknown, double unseen, double? min, double? max, string paramName)
    {
        if (lengths.Count == 0)
        {
            throw new ArgumentException("There are no rows to profile.", paramName);
        }
        var counts = new int[LengthBinCount];
        foreach (int length in lengths)
        {
            counts[LengthBin(length)]++;
        }
        var shares = counts.Select(c => (double)c / lengths.Count).ToArray();
        lengths.Sort();
        double truncated = (double)lengths.Count(l => l > maxLength) / lengths.Count;
        return new DataProfile(lengths.Count, maxLength, truncated, unknown, unseen, shares,
            Quantile(lengths, 0.5), Quantile(lengths, 0.9), min, max);
    }

    // The q-quantile of sorted values (nearest rank).
    private static double Quantile(List<int> sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>The profile as named numbers for <see cref="RecurrentModelFile"/> (keys <c>drift_*</c>).</summary>
    public IEnumerable<KeyValuePair<string, double>> ToNumbers()
    {
        yield return new(Keys.Rows, Rows);
        yield return new(Keys.MaxLength, MaxLength);
        yield return new(Keys.TruncatedShare, TruncatedShare);
        yield return new(Keys.UnknownShare, UnknownShare);
        yield return new(Keys.UnseenShare, UnseenShare);
        yield return new(Keys.MedianLength, MedianLength);
        yield return new(Keys.Percentile90Length, Percentile90Length);
        for (int i = 0; i < LengthBinCount; i++)
        {
            yield return new(Keys.LengthBin(i), LengthShares[i]);
        }
        if (SeriesMin is double min && SeriesMax is double max)
        {
            yield return new(Keys.SeriesMin, min);
            yield return new(Keys.SeriesMax, max);
        }
    }

    /// <summary>The profile a model file records, or null when it records none (files from before profiles existed).</summary>
    /// <exception cref="InvalidDataException">A recorded number is missing or out of range; the message names its key and the range.</exception>
    public static DataProfile? FromModel(RecurrentModelFile model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return FromNumbers(model.NumericMetadata);
    }

    /// <summary>Reads and validates the profile in a model file's numbers; null when none is recorded.</summary>
    internal static DataProfile? FromNumbers(IReadOnlyDictionary<string, double> numbers)
    {
        if (!numbers.ContainsKey(Keys.Rows))
        {
            string? stray = numbers.Keys.FirstOrDefault(k => k.StartsWith(Keys.Prefix, StringComparison.Ordinal));
            return stray is null ? null : throw Invalid(stray, numbers[stray], $"absent: there is no \"{Keys.Rows}\", so the file records no data profile");
        }
        int rowCount = WholeNumber(numbers, Keys.Rows, 1);
        int maxLength = WholeNumber(numbers, Keys.MaxLength, 1);
        var shares = new double[LengthBinCount];
        double sum = 0;
        for (int i = 0; i < LengthBinCount; i++)
        {
            shares[i] = Share(numbers, Keys.LengthBin(i));
            sum += shares[i];
        }
        if (Math.Abs(sum - 1) > 1e-6)
        {
            throw new InvalidDataException(Inv($"The model file's length shares \"{Keys.LengthBin(0)}\" to \"{Keys.LengthBin(LengthBinCount - 1)}\" sum to {sum:R}; they must sum to 1. The model file is corrupt or was tampered with."));
        }
        bool series = numbers.ContainsKey(Keys.SeriesMin) || numbers.ContainsKey(Keys.SeriesMax);
        double? min = series ? Bounded(numbers, Keys.SeriesMin) : null, max = series ? Bounded(numbers, Keys.SeriesMax) : null;
        if (min > max)
        {
            throw Invalid(Keys.SeriesMin, min.Value, Inv($"at most \"{Keys.SeriesMax}\" ({max:R})"));
        }
        return new DataProfile(rowCount, maxLength, Share(numbers, Keys.TruncatedShare), Share(numbers, Keys.UnknownShare), Share(numbers, Keys.UnseenShare),
            shares, WholeNumber(numbers, Keys.MedianLength, 0), WholeNumber(numbers, Keys.Percentile90Length, 0), min, max);
    }

    private static int WholeNumber(IReadOnlyDictionary<string, double> numbers, string key, int min)
    {
        double v = Required(numbers, key);
        return v >= min && v <= int.MaxValue && Math.Floor(v) == v ? (int)v : throw Invalid(key, v, Inv($"a whole number from {min} to 2147483647"));
    }

    private static double Share(IReadOnlyDictionary<string, double> numbers, string key)
    {
        double v = Required(numbers, key);
        return v is >= 0 and <= 1 ? v : throw Invalid(key, v, "a share from 0 to 1");
    }

    private static double Bounded(IReadOnlyDictionary<string, double> numbers, string key)
    {
        double v = Required(numbers, key);
        return Math.Abs(v) <= float.MaxValue ? v : throw Invalid(key, v, "a finite number within the float range");
    }

    private static double Required(IReadOnlyDictionary<string, double> numbers, string key) =>
        numbers.TryGetValue(key, out double v) ? v : throw new InvalidDataException($"The model file records a data profile without its number \"{key}\". The model file is corrupt or was tampered with.");

    private static InvalidDataException Invalid(string key, double value, string allowed) =>
        new(Inv($"The model file's data-profile number \"{key}\" is {value:R}; it must be {allowed}. The model file is corrupt or was tampered with."));

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static class Keys
    {
        public const string Prefix = "drift_";
        public const string Rows = "drift_rows";
        public const string MaxLength = "drift_max_length";
        public const string TruncatedShare = "drift_truncated_share";
        public const string UnknownShare = "drift_unknown_share";
        public const string UnseenShare = "drift_unseen_share";
        public const string MedianLength = "drift_length_p50";
        public const string Percentile90Length = "drift_length_p90";
        public const string SeriesMin = "drift_series_min";
        public const string SeriesMax = "drift_series_max";

        public static string LengthBin(int i) => string.Create(CultureInfo.InvariantCulture, $"drift_length_bin_{i:00}");
    }
}
