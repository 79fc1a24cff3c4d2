using System.Diagnostics;
using Microsoft.ML.Recurrent.Text;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Seq2Seq;

/// <summary>
/// Finds a good <see cref="Seq2SeqModel"/> within a trial and time budget by random search over a
/// <see cref="Seq2SeqSearchSpace"/>: each trial trains with early stopping on the validation pairs for at most
/// <see cref="EpochsPerTrial"/> epochs and its share of the remaining time, and is ranked by its best validation loss.
/// The same seed and data give the same sampled settings in the same order; the trained trials can differ between runs,
/// because every trial also stops at its share of the time.
/// </summary>
public sealed class Seq2SeqExperiment
{
    private readonly int _maxTrials;
    private readonly TimeSpan _timeBudget;
    private readonly int _seed;

    /// <summary>Creates a search.</summary>
    /// <param name="searchSpace">The choices; null for the defaults. Validated.</param>
    /// <param name="maxTrials">Trials at most; 1 to 1000.</param>
    /// <param name="timeBudget">Training time of the whole search, positive; the last trial ends by it (at least one step each).</param>
    /// <param name="seed">Seeds the sampling and every trial.</param>
    /// <exception cref="ArgumentException">A value is out of range or a choice list is empty.</exception>
    public Seq2SeqExperiment(Seq2SeqSearchSpace? searchSpace, int maxTrials, TimeSpan timeBudget, int seed = 0)
    {
        SearchSpace = searchSpace ?? new Seq2SeqSearchSpace();
        SearchSpace.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTrials, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxTrials, 1000);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeBudget, TimeSpan.Zero);
        (_maxTrials, _timeBudget, _seed) = (maxTrials, timeBudget, seed);
    }

    /// <summary>The choices.</summary>
    public Seq2SeqSearchSpace SearchSpace { get; }

    /// <summary>Most epochs of one trial. Default 20; at least 1.</summary>
    public int EpochsPerTrial { get; init; } = 20;

    /// <summary>Epochs without a better validation loss that end a trial. Default 3; at least 1.</summary>
    public int Patience { get; init; } = 3;

    /// <summary>Runs the search.</summary>
    /// <param name="sourceVocabulary">The source tokens.</param>
    /// <param name="targetVocabulary">The target tokens (with BOS and EOS).</param>
    /// <param name="train">Training pairs; at least one.</param>
    /// <param name="validation">Validation pairs that rank the trials; at least one.</param>
    /// <param name="progress">Receives every finished trial; optional.</param>
    /// <param name="cancellationToken">Stops the search between training steps.</param>
    /// <returns>The best model (its best epoch's weights) and every trial, best first.</returns>
    /// <exception cref="ArgumentException">The budget, the data or the search space is invalid.</exception>
    /// <exception cref="InvalidOperationException">Every trial diverged.</exception>
    public (Seq2SeqModel Best, IReadOnlyList<Seq2SeqTrial> Trials) Run(Vocabulary sourceVocabulary, Vocabulary targetVocabulary,
        IReadOnlyList<Seq2SeqExample> train, IReadOnlyList<Seq2SeqExample> validation, IProgress<Seq2SeqTrial>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var (best, trials, _) = RunWithTraining(sourceVocabulary, targetVocabulary, train, validation, progress, cancellationToken);
        return (best, trials);
    }

    // Run, plus the best trial's training record (the ML.NET plugin's transformer carries it, as the estimator's does).
    internal (Seq2SeqModel Best, IReadOnlyList<Seq2SeqTrial> Trials, TrainingResult BestTraining) RunWithTraining(Vocabulary sourceVocabulary,
        Vocabulary targetVocabulary, IReadOnlyList<Seq2SeqExample> train, IReadOnlyList<Seq2SeqExample> validation, IProgress<Seq2SeqTrial>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sourceVocabulary);
        ArgumentNullException.ThrowIfNull(targetVocabulary);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentOutOfRangeException.ThrowIfLessThan(EpochsPerTrial, 1, nameof(EpochsPerTrial));
        ArgumentOutOfRangeException.ThrowIfLessThan(Patience, 1, nameof(Patience));
        if (validation.Count == 0)
        {
            throw new ArgumentException("The validation set is empty; the trials are ranked on it.", nameof(validation));
        }
        var clock = Stopwatch.StartNew();
        var random = new Random(_seed);
        var trials = new List<Seq2SeqTrial>();
        Seq2SeqModel? best = null;
        TrainingResult? bestTraining = null;
        for (int i = 0; i < _maxTrials && (i == 0 || clock.Elapsed < _timeBudget); i++)
        {
            var s = SearchSpace;
            int hidden = Pick(random, s.HiddenSizes), embedding = Pick(random, s.EmbeddingSizes), batch = Pick(random, s.BatchSizes);
            var cell = Pick(random, s.Cells);
            var attention = Pick(random, s.Attentions);
            float smoothing = Pick(random, s.LabelSmoothings);
            double rate = Math.Exp(Math.Log(s.MinLearningRate) + random.NextDouble() * (Math.Log(s.MaxLearningRate) - Math.Log(s.MinLearningRate)));
            var options = new Seq2SeqOptions
            {
                SourceEmbeddingSize = embedding, TargetEmbeddingSize = embedding, EncoderCell = cell, DecoderCell = cell,
                EncoderHiddenSize = Math.Max(1, hidden / 2), Bidirectional = true, DecoderHiddenSize = hidden, Attention = attention,
                AttentionSize = hidden, InputFeeding = attention != AttentionKind.None,
            };
            // An equal share of what is left, so that a slow early trial does not starve the later ones of all time.
            var share = (_timeBudget - clock.Elapsed) / (_maxTrials - i);
            var model = new Seq2SeqModel(options, sourceVocabulary, targetVocabulary, _seed + i);
            var trainer = new Seq2SeqTrainer(model, new TrainerOptions
            {
                Epochs = EpochsPerTrial, BatchSize = batch, LearningRate = rate, Seed = _seed + i, EarlyStoppingPatience = Patience,
                TimeLimit = share > TimeSpan.Zero ? share : TimeSpan.FromTicks(1),
            }, smoothing);
            Seq2SeqTrial trial;
            TrainingResult? result = null;
            var trialClock = Stopwatch.StartNew();
            try
            {
                result = trainer.Fit(train, validation, cancellationToken: cancellationToken);
                double loss = result.History.Where(h => h.Validation is not null).Min(h => h.Validation!.Loss);
                // A non-finite validation loss ranks last, like a divergence (NaN would poison the ranking).
                trial = new Seq2SeqTrial(options, rate, batch, smoothing, double.IsFinite(loss) ? loss : double.PositiveInfinity,
                    result.History.Count, result.Elapsed);
            }
            catch (InvalidOperationException e) when (e.Message.StartsWith("Training diverged", StringComparison.Ordinal))
            {
                // Diverged: ranked last, and the search goes on.
                trial = new Seq2SeqTrial(options, rate, batch, smoothing, double.PositiveInfinity, trainer.CompletedEpochs, trialClock.Elapsed);
            }
            if (double.IsFinite(trial.ValidationLoss) && (best is null || trial.ValidationLoss < trials.Min(t => t.ValidationLoss)))
            {
                best = model;
                bestTraining = result;
            }
            trials.Add(trial);
            progress?.Report(trial);
        }
        return (best ?? throw new InvalidOperationException("Every trial diverged; lower the learning rates of the search space."),
            [.. trials.OrderBy(t => t.ValidationLoss)], bestTraining!);
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> choices) => choices[random.Next(choices.Count)];
}
