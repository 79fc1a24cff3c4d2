using System.Globalization;
using System.Text;
using Microsoft.ML.Recurrent.AutoML;
using Microsoft.ML.Recurrent.Seq2Seq;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// The outcome of a <see cref="RecurrentSequenceToSequenceExperiment"/>: the best model, ready to use and save, and
/// every configuration tried (the sequence-to-sequence counterpart of <see cref="RecurrentExperimentResult"/>).
/// </summary>
public sealed class RecurrentSequenceToSequenceExperimentResult
{
    internal RecurrentSequenceToSequenceExperimentResult(RecurrentSequenceToSequenceTransformer bestModel, IReadOnlyList<Seq2SeqTrial> leaderboard, TimeSpan elapsed)
    {
        BestModel = bestModel;
        Leaderboard = leaderboard;
        Elapsed = elapsed;
    }

    /// <summary>The task: <see cref="RecurrentExperimentTask.SequenceToSequence"/>.</summary>
    public RecurrentExperimentTask Task { get; } = RecurrentExperimentTask.SequenceToSequence;

    /// <summary>
    /// The best trial's model (its best epoch's weights, trained on the training rows only), as the transformer
    /// <see cref="RecurrentSequenceToSequenceEstimator"/> returns: <c>mlContext.Model.Save</c> saves it like any other.
    /// </summary>
    public RecurrentSequenceToSequenceTransformer BestModel { get; }

    /// <summary>The best trial: its settings and validation loss.</summary>
    public Seq2SeqTrial BestRun => Leaderboard[0];

    /// <summary>Every trial, best (lowest validation loss) first; diverged trials last, with an infinite loss.</summary>
    public IReadOnlyList<Seq2SeqTrial> Leaderboard { get; }

    /// <summary>The metric that ranked the trials: always <see cref="ExperimentMetric.Loss"/> (lower is better).</summary>
    public ExperimentMetric Metric { get; } = ExperimentMetric.Loss;

    /// <summary>Wall-clock time of the whole experiment, reading the data included.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>The leaderboard as a fixed-width text table.</summary>
    /// <param name="maxRows">Rows to show at most. Default 20.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRows"/> is below 1.</exception>
    public string FormatLeaderboard(int maxRows = 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(c, $"{"#",3} {"Loss ↓",9} {"epochs",6} {"time",8}  settings\n");
        for (int i = 0; i < Math.Min(maxRows, Leaderboard.Count); i++)
        {
            var t = Leaderboard[i];
            string loss = double.IsFinite(t.ValidationLoss) ? t.ValidationLoss.ToString("F4", c) : "failed";
            sb.Append(c, $"{i + 1,3} {loss,9} {t.Epochs,6} {t.Elapsed.TotalSeconds,7:F2}s  {Describe(t)}\n");
        }
        if (Leaderboard.Count > maxRows)
        {
            sb.Append(c, $"... {Leaderboard.Count - maxRows} more\n");
        }
        return sb.ToString();
    }

    /// <summary>A trial's settings on one line, e.g. <c>Lstm h128 emb64 General lr3.0e-03 b32 smooth0.1</c>.</summary>
    /// <param name="trial">The trial.</param>
    public static string Describe(Seq2SeqTrial trial)
    {
        ArgumentNullException.ThrowIfNull(trial);
        var o = trial.Options;
        return string.Create(CultureInfo.InvariantCulture,
            $"{o.DecoderCell} h{o.DecoderHiddenSize} emb{o.SourceEmbeddingSize} {o.Attention} lr{trial.LearningRate:0.0e+00} b{trial.BatchSize} smooth{trial.LabelSmoothing:G3}");
    }
}
