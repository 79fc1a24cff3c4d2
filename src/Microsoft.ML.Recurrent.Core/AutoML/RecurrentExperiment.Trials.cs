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
                    outcomes[j] = Train(jobs[j], data, remaining > TimeSpan.Zero ? remaining : TimeSpan.FromTicks(1), cancellationToken);
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

    private Outcome Train(Job job, ExperimentData data, TimeSpan remaining, CancellationToken cancellationToken)
    {
        int seed = TrialSeed(job.TrialId);
        var model = new SequenceModel(job.Settings.ToModelOptions(Options.Model), seed);
        var trainer = new SequenceTrainer(model, job.Settings.ToTrainerOptions(job.Epochs, seed, Options.EarlyStoppingPatience, remaining));
        var result = new TrialResult
        {
            TrialId = job.TrialId, Settings = job.Settings, Rung = job.Rung, EpochBudget = job.Epochs,
            ParameterCount = model.Parameters.Count,
        };
        var clock = Stopwatch.StartNew();
        TrainingResult training;
        try
        {
            training = data.Fit(trainer, allData: false, cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            // Divergence is an outcome of the settings, not an error of the experiment.
            return new Outcome(result with { EpochsTrained = trainer.CompletedEpochs, TrainingTime = clock.Elapsed, Error = e.Message }, null);
        }
        var validation = training.BestEpoch >= 1 ? training.History[training.BestEpoch - 1].Validation : null;
        result = result with
        {
            EpochsTrained = training.History.Count, BestEpoch = training.BestEpoch, TrainingTime = training.Elapsed,
            StoppedEarly = training.StoppedEarly, TimeBudgetExhausted = training.BudgetExhausted,
        };
        if (validation is null || !double.IsFinite(validation.Loss))
        {
            return new Outcome(result with { Error = $"The validation loss is {validation?.Loss.ToString() ?? "missing"}." }, null);
        }
        double metric = Options.EffectiveMetric switch
        {
            ExperimentMetric.Accuracy => validation.Accuracy,
            ExperimentMetric.Rmse => validation.Rmse,
            _ => validation.Loss,
        };
        if (!double.IsFinite(metric))
        {
            return new Outcome(result with { Error = $"The validation {Options.EffectiveMetric} is {metric}." }, null);
        }
        return new Outcome(result with
        {
            Metric = metric, ValidationLoss = validation.Loss, ValidationAccuracy = validation.Accuracy, ValidationRmse = validation.Rmse,
        }, model);
    }

    // Best first: succeeded before failed, then by metric, then by lower validation loss, then by trial id.
    private sealed class TrialComparer(ExperimentMetric metric) : IComparer<TrialResult>
    {
        public int Compare(TrialResult? x, TrialResult? y)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentNullException.ThrowIfNull(y);
            int c = y.Succeeded.CompareTo(x.Succeeded);
            if (c == 0 && x.Succeeded)
            {
                c = metric == ExperimentMetric.Accuracy ? y.Metric.CompareTo(x.Metric) : x.Metric.CompareTo(y.Metric);
                if (c == 0)
                {
                    c = x.ValidationLoss.CompareTo(y.ValidationLoss);
                }
            }
            return c != 0 ? c : x.TrialId.CompareTo(y.TrialId);
        }
    }
}
