using System.Diagnostics;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.AutoML;

/// <summary>
/// Finds a good recurrent model for a task under a time and trial budget: random search over a
/// <see cref="RecurrentSearchSpace"/> with successive halving, started from the templates' settings. The first of
/// <see cref="RecurrentExperimentOptions.MaxTrials"/> configurations is the starting point (the templates' own, or
/// <see cref="RecurrentExperimentOptions.FirstTrial"/>), trained for <see cref="RecurrentExperimentOptions.MaxEpochs"/>
/// with early stopping as its defaults would be, so the winner is never worse on validation than it; the others are
/// sampled around it and each is trained for <see cref="RecurrentExperimentOptions.MinEpochs"/> epochs; the best
/// 1/η are trained η times longer, and so on until one is left (which then gets
/// <see cref="RecurrentExperimentOptions.MaxEpochs"/>). Every run uses early stopping on the validation data and keeps
/// its best epoch's weights. A promoted configuration is retrained from its seed (same initial weights and shuffling),
/// so its longer run begins exactly as its shorter run did; a run that stopped early is final and not repeated.
/// Finally the best settings are retrained on training + validation data for the best run's best epoch count.
/// </summary>
/// <remarks>
/// <para>
/// Validation is a hold-out split or, for small data, k-fold cross-validation (see
/// <see cref="RecurrentExperimentOptions.CrossValidationFolds"/>): each run then trains one model per fold, each with
/// early stopping on its own held-out fold, and is ranked by the mean of the folds' metrics; its training time is their
/// sum. The refit trains for the mean of the folds' best epochs, rounded (<see cref="TrialResult.BestEpoch"/>).
/// </para>
/// <para>
/// The same options, seed and data give the same leaderboard (settings, metrics and order) whenever the trial budget,
/// not the time budget, ends the search, whatever <see cref="RecurrentExperimentOptions.MaxParallelTrials"/> is.
/// </para>
/// </remarks>
public sealed partial class RecurrentExperiment
{
    /// <summary>Creates an experiment.</summary>
    /// <param name="options">The settings; validated.</param>
    public RecurrentExperiment(RecurrentExperimentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        SearchSpace = options.SearchSpace ?? RecurrentSearchSpace.ForTask(options.Task);
    }

    /// <summary>The settings.</summary>
    public RecurrentExperimentOptions Options { get; }

    /// <summary>The search space in effect (<see cref="RecurrentExperimentOptions.SearchSpace"/> or the task's default).</summary>
    public RecurrentSearchSpace SearchSpace { get; }

    /// <summary>Searches on separate sequences (any task, including language-model examples).</summary>
    /// <param name="train">Training examples with targets.</param>
    /// <param name="validation">
    /// Validation examples; null or empty to hold out <see cref="RecurrentExperimentOptions.ValidationFraction"/> of
    /// <paramref name="train"/> (seeded shuffle), or to cross-validate on <paramref name="train"/> (see
    /// <see cref="RecurrentExperimentOptions.CrossValidationFolds"/>). Not allowed with CrossValidationFolds above 1.
    /// </param>
    /// <param name="progress">Receives every finished run (from worker threads when trials run in parallel, one at a time); optional.</param>
    /// <param name="cancellationToken">Stops the experiment with an <see cref="OperationCanceledException"/> within one training step.</param>
    /// <exception cref="ArgumentException">
    /// The data is empty or does not fit the model template, has fewer examples than CrossValidationFolds, or validation
    /// data was given with CrossValidationFolds above 1.
    /// </exception>
    /// <exception cref="InvalidOperationException">No trial trained successfully (for example all diverged).</exception>
    public ExperimentResult Run(IReadOnlyList<SequenceExample> train, IReadOnlyList<SequenceExample>? validation = null,
        IProgress<TrialResult>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        var clock = Stopwatch.StartNew();
        var data = ExperimentData.FromExamples(Options.Model, train, validation, Options.CrossValidationFolds, Options.ValidationFraction, Options.Seed);
        return Search(data, clock, progress, cancellationToken);
    }

    /// <summary>Searches a language model on one long token stream, trained by truncated BPTT.</summary>
    /// <param name="tokens">Token ids of the training text.</param>
    /// <param name="validationTokens">
    /// A held-out stream; null or empty to hold out the last <see cref="RecurrentExperimentOptions.ValidationFraction"/>
    /// of <paramref name="tokens"/>, or to cross-validate on contiguous chunks of it (see
    /// <see cref="RecurrentExperimentOptions.CrossValidationFolds"/>). Not allowed with CrossValidationFolds above 1.
    /// </param>
    /// <param name="progress">Receives every finished run; optional.</param>
    /// <param name="cancellationToken">Stops the experiment with an <see cref="OperationCanceledException"/> within one training step.</param>
    /// <exception cref="InvalidOperationException">The task is not a language model, or no trial trained successfully.</exception>
    /// <exception cref="ArgumentException">
    /// The stream is too short for the largest batch size or the folds, holds ids outside the vocabulary, or validation
    /// tokens were given with CrossValidationFolds above 1.
    /// </exception>
    public ExperimentResult RunStream(int[] tokens, int[]? validationTokens = null,
        IProgress<TrialResult>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (Options.Task != SequenceTask.LanguageModel)
        {
            throw new InvalidOperationException($"RunStream searches language models; the template's task is {Options.Task}. Use Run.");
        }
        var clock = Stopwatch.StartNew();
        var data = ExperimentData.FromStream(Options.Model, tokens, validationTokens, Options.CrossValidationFolds, Options.ValidationFraction,
            SearchSpace.BatchSizes.Max());
        return Search(data, clock, progress, cancellationToken);
    }

    private ExperimentResult Search(ExperimentData data, Stopwatch clock, IProgress<TrialResult>? progress, CancellationToken cancellationToken)
    {
        var o = Options;
        var random = new Random(o.Seed);
        var settings = new TrialSettings[o.MaxTrials];
        int first = o.IncludeTemplate ? 1 : 0;
        if (o.IncludeTemplate)
        {
            settings[0] = FirstTrial(data.IsStream);
        }
        for (int i = first; i < settings.Length; i++)
        {
            settings[i] = o.IncludeTemplate ? SearchSpace.SampleAround(random, settings[0], o.Model, data.IsStream) : SearchSpace.Sample(random, o.Model, data.IsStream);
        }
        var latest = new Outcome?[settings.Length];
        var runs = new List<TrialResult>();
        int threadsBefore = ComputeSettings.MaxThreads;
        if (o.MaxParallelTrials > 1)
        {
            ComputeSettings.MaxThreads = Math.Max(1, Environment.ProcessorCount / o.MaxParallelTrials);
        }
        try
        {
            bool outOfTime = false;
            int[] survivors = [.. Enumerable.Range(0, settings.Length)];
            int epochs = o.MinEpochs;
            for (int rung = 0; ; rung++)
            {
                // A failed run, one that stopped early, or one already trained this long would only repeat itself.
                // Survivors come in rank order, so under a time budget the most promising are trained first.
                int[] pending = [.. survivors.Where(i => latest[i] is not { } done
                    || (done.Result.Succeeded && !done.Result.StoppedEarly && done.Result.EpochBudget < epochs))];
                // The first trial, the starting point, trains as its defaults would from the start (MaxEpochs, stopping
                // as the trainer template does), so the search's best is never worse on validation than they are.
                var jobs = pending.Select(i => new Job(i, settings[i], rung, i == 0 && o.IncludeTemplate ? o.MaxEpochs : epochs)).ToArray();
                var finished = RunRung(jobs, data, clock, runs.Count > 0, progress, cancellationToken);
                foreach (var outcome in finished)
                {
                    // Without a refit any configuration's model may end up the answer (the leaderboard ranks every
                    // configuration's last run), so all are kept; with a refit none is needed.
                    latest[outcome.Result.TrialId] = o.RefitOnAllData ? outcome with { Model = null } : outcome;
                    runs.Add(outcome.Result);
                }
                if (finished.Count < jobs.Length || finished.Any(f => f.Result.TimeBudgetExhausted))
                {
                    outOfTime = true;
                    break;
                }
                if (epochs >= o.MaxEpochs)
                {
                    break;
                }
                var ranked = survivors.Select(i => latest[i]!.Result).Order(new TrialComparer(o.EffectiveMetric)).ToArray();
                int keep = Math.Max(1, survivors.Length / o.ReductionFactor);
                survivors = [.. ranked.Take(keep).Select(r => r.TrialId)];
                epochs = keep == 1 ? o.MaxEpochs : (int)Math.Min(o.MaxEpochs, (long)epochs * o.ReductionFactor);
            }
            var leaderboard = latest.Where(x => x is not null).Select(x => x!.Result).Order(new TrialComparer(o.EffectiveMetric)).ToArray();
            var best = leaderboard[0];
            if (!best.Succeeded)
            {
                throw new InvalidOperationException(
                    $"None of the {leaderboard.Length} trial(s) trained successfully; the first failed with: {best.Error} Narrow the search space (e.g. lower MaxLearningRate).");
            }
            var (model, refit) = o.RefitOnAllData
                ? Refit(best, data, clock, cancellationToken)
                : (latest[best.TrialId]!.Model!, null);
            return new ExperimentResult
            {
                Metric = o.EffectiveMetric, Leaderboard = leaderboard, Runs = runs, BestModel = model, Refit = refit,
                TrialModels = o.RefitOnAllData ? [] : [.. leaderboard.TakeWhile(r => r.Succeeded).Take(ExperimentResult.MaxTrialModels).Select(r => latest[r.TrialId]!.Model!)],
                Elapsed = clock.Elapsed, TimeBudgetExhausted = outOfTime, CrossValidationFolds = data.FoldCount,
            };
        }
        finally
        {
            if (o.MaxParallelTrials > 1)
            {
                ComputeSettings.MaxThreads = threadsBefore;
            }
        }
    }

    private (SequenceModel Model, TrainingResult Refit) Refit(TrialResult best, ExperimentData data, Stopwatch clock, CancellationToken cancellationToken)
    {
        int seed = TrialSeed(best.TrialId);
        var model = new SequenceModel(best.Settings.ToModelOptions(Options.Model), seed);
        Options.InitializeModel?.Invoke(model);
        // At least twice the best run's time per epoch (over all its folds) scaled to the larger data and the refit's
        // epochs, plus a second, so a slow moment cannot starve it.
        int epochsRun = best.Folds.Count > 0 ? best.Folds.Sum(f => f.EpochsTrained) : best.EpochsTrained;
        double scale = (double)data.AllSize / data.TrainSize * best.BestEpoch / Math.Max(1, epochsRun);
        var allowed = TimeSpan.FromSeconds(2 * scale * best.TrainingTime.TotalSeconds + 1);
        var remaining = Options.TimeBudget - clock.Elapsed;
        var trainer = new SequenceTrainer(model, best.Settings.ToTrainerOptions(Options.Trainer, best.BestEpoch, seed, null, remaining > allowed ? remaining : allowed));
        var refit = data.FitAll(trainer, cancellationToken);
        // The refit has no held-out rows left to calibrate on, so it takes the best trial's temperature.
        if (best.Temperature != 1)
        {
            TemperatureScaling.Apply(model, best.Temperature);
        }
        return (model, refit);
    }

    /// <summary>
    /// The first trial's settings when <see cref="RecurrentExperimentOptions.IncludeTemplate"/> is set:
    /// <see cref="RecurrentExperimentOptions.FirstTrial"/>, or the templates' own (<see cref="TrialSettings.FromTemplate"/>).
    /// </summary>
    /// <param name="stream">Whether the experiment reads one token stream (<see cref="RunStream"/>).</param>
    public TrialSettings FirstTrial(bool stream = false) => Options.FirstTrial ?? TrialSettings.FromTemplate(Options.Model, Options.Trainer, stream);

    // The first trial, the starting point, uses the seed itself, as a trainer given that seed would; the others a mix.
    private int TrialSeed(int trialId) => trialId == 0 && Options.IncludeTemplate ? Options.Seed : unchecked((Options.Seed * 1_000_003) + (trialId * 7_919) + 17);
}
