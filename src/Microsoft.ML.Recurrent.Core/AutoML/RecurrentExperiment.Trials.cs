using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.AutoML;

public sealed partial class RecurrentExperiment
{
    private sealed record Job(int TrialId, TrialSettings Settings, int Rung, int Epochs);

    // A run's result and, while the configuration is still in the race, its trained model.
    private sealed record Outcome(TrialResult Result, SequenceModel? Model);

    // Runs the jobs (up to MaxParallelTrials at a time, taken in order) and returns the finished ones in job order.
    // No job starts after the time budget, except the very first of the experiment, so there is always a result.
    private List<Outcome> RunRung(Job[] jobs, ExperimentData data, Stopwatch clock, bool anyFinished,
        IProgress<TrialResult>? progress, CancellationToken cancellationToken)
    {
        var outcomes = new Outcome?[jobs.Length];
        var progressLock = new Lock();
        int next = -1;
        ExceptionDispatchInfo? failure = null;
        void Worker()
        {
            while (Volatile.Read(ref failure) is null)
            {
                int j = Interlocked.Increment(ref next);
                if (j >= jobs.Length)
                {
                    return;
                }
                var remaining = Options.TimeBudget - clock.Elapsed;
                if (remaining <= TimeSpan.Zero && (anyFinished || j > 0))
                {
                    return;
                }
                try
                {
                    var outcome = Train(jobs[j], data, remaining > TimeSpan.Zero ? remaining : TimeSpan.FromTicks(1), cancellationToken);
                    outcomes[j] = outcome with { Result = outcome.Result with { FinishedAfter = clock.Elapsed } };
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(e), null);
                    return;
                }
                if (progress is not null)
                {
                    lock (progressLock)
                    {
                        progress.Report(outcomes[j]!.Result);
                    }
                }
            }
        }
        int workers = Math.Min(Options.MaxParallelTrials, jobs.Length);
        if (workers <= 1)
        {
            Worker();
        }
        else
        {
            var threads = Enumerable.Range(0, workers).Select(_ => new Thread(Worker) { IsBackground = true, Name = "RecurrentExperiment trial" }).ToArray();
            foreach (var thread in threads)
            {
                thread.Start();
            }
            foreach (var thread in threads)
            {
                thread.Join();
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        failure?.Throw();
        // Jobs are taken in order and each taken job finishes, so the finished ones are a prefix.
        return [.. outcomes.TakeWhile(x => x is not null).Select(x => x!)];
    }

    // Trains the settings on every split of the data, one model per fold from the same seed, one fold after another;
    // no fold but the first starts after the time budget. With one split the run is a plain hold-out run.
    private Outcome Train(Job job, ExperimentData data, TimeSpan remaining, CancellationToken cancellationToken)
    {
        int seed = TrialSeed(job.TrialId);
        var modelOptions = job.Settings.ToModelOptions(Options.Model);
        var result = new TrialResult { TrialId = job.TrialId, Settings = job.Settings, Rung = job.Rung, EpochBudget = job.Epochs };
        var folds = new List<FoldResult>();
        var temperatures = new List<double>();
        FoldResult? bestFold = null;
        SequenceModel? bestModel = null;
        var clock = Stopwatch.StartNew();
        for (int fold = 0; fold < data.FoldCount; fold++)
        {
            var left = remaining - clock.Elapsed;
            if (fold > 0 && left <= TimeSpan.Zero)
            {
                break;
            }
            var model = new SequenceModel(modelOptions, seed);
            Options.InitializeModel?.Invoke(model);
            result = result with { ParameterCount = model.Parameters.Count };
            var trainer = new SequenceTrainer(model, job.Settings.ToTrainerOptions(Options.Trainer, job.Epochs, seed, Patience(job.TrialId),
                left > TimeSpan.Zero ? left : TimeSpan.FromTicks(1)));
            string where = data.FoldCount > 1 ? $"Fold {fold + 1} of {data.FoldCount}: " : "";
            TrainingResult training;
            try
            {
                training = data.Fit(trainer, fold, cancellationToken);
            }
            catch (InvalidOperationException e)
            {
                // Divergence is an outcome of the settings, not an error of the experiment.
                return Failed(result, folds, trainer.CompletedEpochs, false, clock, where + e.Message);
            }
            var validation = training.BestEpoch >= 1 ? training.History[training.BestEpoch - 1].Validation : null;
            if (validation is null || !double.IsFinite(validation.Loss))
            {
                return Failed(result, folds, training.History.Count, training.BudgetExhausted, clock,
                    $"{where}The validation loss is {validation?.Loss.ToString() ?? "missing"}.");
            }
            // Calibrated on the rows it is ranked on: the probabilities and the loss change, the classes do not; the
            // figures are those of the calibrated model, the one a trial returns.
            if (Calibrates && data.HeldOut(fold) is { } heldOut)
            {
                double temperature = TemperatureScaling.Calibrate(model, heldOut);
                temperatures.Add(temperature);
                if (temperature != 1)
                {
                    validation = SequenceEvaluator.Evaluate(model, heldOut);
                }
            }
            double metric = Options.EffectiveMetric switch
            {
                ExperimentMetric.Accuracy => validation.Accuracy,
                ExperimentMetric.Rmse => validation.Rmse,
                _ => validation.Loss,
            };
            if (!double.IsFinite(metric))
            {
                return Failed(result, folds, training.History.Count, training.BudgetExhausted, clock,
                    $"{where}The validation {Options.EffectiveMetric} is {metric}.");
            }
            var figures = new FoldResult(fold, training.History.Count, training.BestEpoch, metric, validation, training.Elapsed,
                training.StoppedEarly, training.BudgetExhausted);
            folds.Add(figures);

            // Without a refit the best fold's model is the answer: the best metric, then the lower loss, then the first.
            if (bestFold is null || CompareScores(Options.EffectiveMetric, figures.Metric, figures.Validation.Loss, bestFold.Metric, bestFold.Validation.Loss) < 0)
            {
                (bestFold, bestModel) = (figures, model);
            }
        }
        bool complete = folds.Count == data.FoldCount;
        return new Outcome(result with
        {
            EpochsTrained = folds.Max(f => f.EpochsTrained),
            BestEpoch = (int)Math.Round(folds.Average(f => f.BestEpoch), MidpointRounding.AwayFromZero),
            Metric = folds.Average(f => f.Metric),
            ValidationLoss = folds.Average(f => f.Validation.Loss),
            ValidationAccuracy = folds.Average(f => f.Validation.Accuracy),
            ValidationRmse = folds.Average(f => f.Validation.Rmse),
            TrainingTime = TimeSpan.FromTicks(folds.Sum(f => f.TrainingTime.Ticks)),
            StoppedEarly = complete && folds.All(f => f.StoppedEarly),
            TimeBudgetExhausted = !complete || folds.Any(f => f.TimeBudgetExhausted),
            Folds = data.FoldCount > 1 ? folds : [],
            Temperature = temperatures.Count > 0 ? Math.Exp(temperatures.Average(Math.Log)) : 1,
        }, bestModel);
    }

    // The first trial stops as the trainer template does (null: no early stopping, the last weights are kept), so it is
    // exactly the trainer's run; the others with the experiment's patience.
    private int? Patience(int trialId) =>
        trialId == 0 && Options.IncludeTemplate && Options.Trainer is { } trainer ? trainer.EarlyStoppingPatience : Options.EarlyStoppingPatience;

    private bool Calibrates => Options.CalibrateProbabilities && Options.Task == SequenceTask.Classification;

    private static Outcome Failed(TrialResult result, List<FoldResult> folds, int epochs, bool budgetExhausted, Stopwatch clock, string error) =>
        new(result with
        {
            EpochsTrained = folds.Select(f => f.EpochsTrained).Append(epochs).Max(), TrainingTime = clock.Elapsed,
            TimeBudgetExhausted = budgetExhausted, Folds = folds, Error = error,
        }, null);

    // Negative when the first score is the better: by metric, then by lower validation loss.
    private static int CompareScores(ExperimentMetric metric, double xMetric, double xLoss, double yMetric, double yLoss)
    {
        int c = metric == ExperimentMetric.Accuracy ? yMetric.CompareTo(xMetric) : xMetric.CompareTo(yMetric);
        return c != 0 ? c : xLoss.CompareTo(yLoss);
    }

    // Best first: succeeded before failed, then more folds before fewer (a mean over the folds the time budget left is
    // not comparable with one over all of them), then by metric, then by lower validation loss, then by trial id.
    internal sealed class TrialComparer(ExperimentMetric metric) : IComparer<TrialResult>
    {
        public int Compare(TrialResult? x, TrialResult? y)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentNullException.ThrowIfNull(y);
            int c = y.Succeeded.CompareTo(x.Succeeded);
            if (c == 0 && x.Succeeded)
            {
                c = y.Folds.Count.CompareTo(x.Folds.Count);
                if (c == 0)
                {
                    c = CompareScores(metric, x.Metric, x.ValidationLoss, y.Metric, y.ValidationLoss);
                }
            }
            return c != 0 ? c : x.TrialId.CompareTo(y.TrialId);
        }
    }
}
