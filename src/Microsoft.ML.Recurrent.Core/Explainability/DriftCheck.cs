using System.Globalization;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.Explainability;

/// <summary>
/// Warns when new data drifts from a model's training data: more unknown tokens, more truncated rows, other lengths,
/// series values outside the training range. The training side is the <see cref="DataProfile"/> recorded in the model
/// file; a file without one reports its metrics as <see cref="DriftStatus.NotRecorded"/>.
/// </summary>
public static class DriftCheck
{
    /// <summary>The key under which the ML.NET trainers record the maximum length a model reads (used when no profile is recorded).</summary>
    private const string MaxSequenceLengthKey = "max_sequence_length";

    /// <summary>Checks texts against a text model (tokenized with the model's tokenizer).</summary>
    /// <param name="model">A model file with a vocabulary.</param>
    /// <param name="texts">The new texts; at least one.</param>
    /// <param name="thresholds">When to warn; null for the defaults.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentException">The model has no vocabulary, or there are no texts.</exception>
    /// <exception cref="InvalidDataException">The model's recorded profile is invalid.</exception>
    public static DriftReport CheckTexts(RecurrentModelFile model, IEnumerable<string> texts, DriftThresholds? thresholds = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var sequencer = RequireSequencer(model);
        return CheckTokens(model, texts.Select(t => sequencer.Tokenizer.Tokenize(t ?? "")), thresholds);
    }

    /// <summary>Checks token sequences against a token model.</summary>
    /// <param name="model">A model file with a vocabulary.</param>
    /// <param name="rows">The tokens of each new row; at least one row.</param>
    /// <param name="thresholds">When to warn; null for the defaults.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentException">The model has no vocabulary, or there are no rows.</exception>
    /// <exception cref="InvalidDataException">The model's recorded profile is invalid.</exception>
    public static DriftReport CheckTokens(RecurrentModelFile model, IEnumerable<string[]> rows, DriftThresholds? thresholds = null)
    {
        var sequencer = RequireSequencer(model);
        var training = DataProfile.FromModel(model);
        var current = DataProfile.FromTokens(sequencer.Vocabulary, rows, MaxLength(model, training));
        var t = thresholds ?? new DriftThresholds();
        var metrics = new List<DriftMetric>
        {
            Increase("unknown-token share", current.UnknownShare, training?.ExpectedUnknownShare, t.UnknownShareIncrease,
                Inv($"tokens the vocabulary does not know; training data: {training?.UnknownShare:0.####} unknown + {training?.UnseenShare:0.####} expected unseen words")),
        };
        metrics.AddRange(Common(training, current, t));
        return new DriftReport(current.Rows, metrics);
    }

    /// <summary>Checks numeric series (one value per step) against a series model.</summary>
    /// <param name="model">A model file over numeric input.</param>
    /// <param name="series">The new series; at least one.</param>
    /// <param name="thresholds">When to warn; null for the defaults.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentException">There are no series.</exception>
    /// <exception cref="InvalidDataException">The model's recorded profile is invalid.</exception>
    public static DriftReport CheckSeries(RecurrentModelFile model, IEnumerable<float[]> series, DriftThresholds? thresholds = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(series);
        var rows = series.ToList();
        var training = DataProfile.FromModel(model);
        var current = DataProfile.FromSeries(rows, MaxLength(model, training));
        var t = thresholds ?? new DriftThresholds();
        var metrics = Common(training, current, t).ToList();
        if (training?.SeriesMin is double min && training.SeriesMax is double max)
        {
            long total = 0, outside = 0;
            foreach (var values in rows)
            {
                total += values.Length;
                outside += values.Count(v => !(v >= min && v <= max));
            }
            double share = total == 0 ? 0 : (double)outside / total;
            metrics.Add(new DriftMetric("values outside the training range", share, 0, t.OutOfRangeShare, share > t.OutOfRangeShare ? DriftStatus.Warning : DriftStatus.Ok,
                Inv($"{outside} of {total} values outside [{min:G6}, {max:G6}]")));
        }
        else
        {
            metrics.Add(new DriftMetric("values outside the training range", double.NaN, null, null, DriftStatus.NotRecorded,
                Inv($"new values span [{current.SeriesMin:G6}, {current.SeriesMax:G6}]")));
        }
        return new DriftReport(current.Rows, metrics);
    }

    /// <summary>
    /// The population stability index of two length histograms: the sum over bins of (a - e) ln(a / e), each share
    /// floored at 0.001 so that an empty bin gives a large but finite term.
    /// </summary>
    public static double StabilityIndex(IReadOnlyList<double> expected, IReadOnlyList<double> actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        if (expected.Count != actual.Count)
        {
            throw new ArgumentException($"The histograms have {expected.Count} and {actual.Count} bins; they need the same bins.", nameof(actual));
        }
        double index = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            double e = Math.Max(expected[i], 0.001), a = Math.Max(actual[i], 0.001);
            index += (a - e) * Math.Log(a / e);
        }
        return index;
    }

    private static IEnumerable<DriftMetric> Common(DataProfile? training, DataProfile current, DriftThresholds t)
    {
        yield return Increase("truncated-row share", current.TruncatedShare, training?.TruncatedShare, t.TruncatedShareIncrease,
            Inv($"rows longer than the {current.MaxLength} steps the model reads"));
        string lengths = Inv($"median length {current.MedianLength}, 90th percentile {current.Percentile90Length}");
        if (training is null)
        {
            yield return new DriftMetric("length shift (PSI)", double.NaN, null, null, DriftStatus.NotRecorded, lengths);
            yield break;
        }
        double psi = StabilityIndex(training.LengthShares, current.LengthShares);
        bool enough = current.Rows >= t.MinimumRowsForLength;
        yield return new DriftMetric("length shift (PSI)", psi, 0, t.LengthStabilityIndex, enough && psi > t.LengthStabilityIndex ? DriftStatus.Warning : DriftStatus.Ok,
            lengths + Inv($"; training {training.MedianLength} and {training.Percentile90Length}") + (enough ? "" : Inv($"; fewer than {t.MinimumRowsForLength} rows: not warned")));
    }

    private static DriftMetric Increase(string name, double value, double? training, double increase, string detail) =>
        training is double reference
            ? new DriftMetric(name, value, reference, reference + increase, value > reference + increase ? DriftStatus.Warning : DriftStatus.Ok, detail)
            : new DriftMetric(name, value, null, null, DriftStatus.NotRecorded, detail);

    private static int MaxLength(RecurrentModelFile model, DataProfile? training) =>
        training?.MaxLength ?? (model.NumericMetadata.TryGetValue(MaxSequenceLengthKey, out double max) && max >= 1 && max <= int.MaxValue ? (int)max : int.MaxValue);

    private static TextSequencer RequireSequencer(RecurrentModelFile model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Sequencer ?? throw new ArgumentException("The model has no vocabulary; check texts and tokens against a token model, series with CheckSeries.", nameof(model));
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
