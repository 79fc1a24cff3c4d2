using System.Diagnostics;
using Microsoft.ML.Recurrent.AutoML;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.AutoML;

[TestClass]
public sealed class RecurrentExperimentTests
{
    public TestContext TestContext { get; set; } = null!;

    // The label is the class of the first token (ids 1..classes); the rest is noise (8 other ids). A model must carry
    // the first token to the end of the sequence.
    internal static List<SequenceExample> FirstTokenClass(int count, int seed, int minLength, int maxLength, int classes = 2)
    {
        var rng = new Random(seed);
        var examples = new List<SequenceExample>();
        for (int i = 0; i < count; i++)
        {
            var tokens = new int[rng.Next(minLength, maxLength + 1)];
            int label = rng.Next(classes);
            tokens[0] = 1 + label;
            for (int t = 1; t < tokens.Length; t++)
            {
                tokens[t] = rng.Next(classes + 1, classes + 9);
            }
            examples.Add(SequenceExample.ForClassification(tokens, label));
        }
        return examples;
    }

    internal static SequenceModelOptions Classifier(int classes = 2) =>
        new() { Task = SequenceTask.Classification, VocabularySize = classes + 9, OutputSize = classes };

    // A small, fast space: one layer, unidirectional (a backward pass would read the first token last and make the task trivial).
    internal static readonly RecurrentSearchSpace Small = new()
    {
        Cells = [RecurrentCellKind.RnnTanh, RecurrentCellKind.Lstm, RecurrentCellKind.Gru],
        HiddenSizes = [8, 16], NumLayers = [1], Bidirectional = [false], EmbeddingSizes = [8],
        MinLearningRate = 3e-3, MaxLearningRate = 2e-2, BatchSizes = [16, 32], ClipGradientNorms = [5],
    };

    internal static RecurrentExperimentOptions Options(int trials, int seed = 1) => new()
    {
        Model = Classifier(), SearchSpace = Small, MaxTrials = trials, Seed = seed, MinEpochs = 1, MaxEpochs = 4,
        ReductionFactor = 2, TimeBudget = TimeSpan.FromMinutes(5),
    };

    private static void AssertRankedBestFirst(ExperimentResult result)
    {
        for (int i = 1; i < result.Leaderboard.Count; i++)
        {
            var (a, b) = (result.Leaderboard[i - 1], result.Leaderboard[i]);
            Assert.IsTrue(!b.Succeeded || (result.HigherIsBetter ? a.Metric >= b.Metric : a.Metric <= b.Metric),
                $"rows {i} and {i + 1} out of order: {a.Metric} then {b.Metric}");
        }
    }

    [TestMethod]
    public void Run_TrialBudget_TrainsExactlyMaxTrialsConfigurationsWithSuccessiveHalving()
    {
        var reports = new List<TrialResult>();
        var result = new RecurrentExperiment(Options(trials: 4)).Run(FirstTokenClass(120, 1, 4, 8), progress: new SyncProgress(reports));
        TestContext.WriteLine(result.FormatLeaderboard());

        Assert.AreEqual(4, result.Leaderboard.Count);
        CollectionAssert.AreEquivalent(new[] { 0, 1, 2, 3 }, result.Leaderboard.Select(t => t.TrialId).ToArray());
        Assert.AreEqual(4, result.Runs.Count(r => r.Rung == 0), "every configuration at rung 0");
        Assert.IsTrue(result.Runs.Where(r => r.Rung > 0).All(r => r.EpochBudget > 1), "promoted runs train longer");
        Assert.IsTrue(result.Runs.Count(r => r.Rung == 1) <= 2, "rung 1 keeps at most half");
        CollectionAssert.AreEqual(result.Runs.ToArray(), reports.ToArray(), "one progress report per run, in order");
        Assert.IsFalse(result.TimeBudgetExhausted);
        AssertRankedBestFirst(result);
        Assert.AreEqual(ExperimentMetric.Accuracy, result.Metric);
        Assert.IsTrue(result.Leaderboard.All(t => t.Succeeded && t.ParameterCount > 0 && t.BestEpoch >= 1 && t.TrainingTime > TimeSpan.Zero));
        Assert.AreEqual(result.BestTrial.BestEpoch, result.Refit!.History.Count, "the refit trains for the best epoch count");
        Assert.AreEqual(result.BestTrial.Settings.ToModelOptions(Classifier()), result.BestModel.Options);
    }

    [TestMethod]
    public void Run_WithoutRefit_ReturnsTheBestTrialsOwnModel()
    {
        var validation = FirstTokenClass(40, 8, 4, 8);
        var result = new RecurrentExperiment(Options(trials: 3) with { RefitOnAllData = false }).Run(FirstTokenClass(80, 7, 4, 8), validation);
        Assert.IsNull(result.Refit);
        Assert.AreEqual(result.BestTrial.ValidationLoss, SequenceEvaluator.Evaluate(result.BestModel, validation).Loss, 1e-9,
            "the returned model is the one whose validation loss the leaderboard shows");
        Assert.AreEqual(3, result.TrialModels.Count, "every successful trial's model");
        Assert.AreSame(result.BestModel, result.TrialModels[0]);
        for (int i = 0; i < 3; i++)
        {
            Assert.AreEqual(result.Leaderboard[i].ValidationLoss, SequenceEvaluator.Evaluate(result.TrialModels[i], validation).Loss, 1e-9, $"model {i} is leaderboard entry {i}'s");
        }
    }

    [TestMethod]
    public void Run_WithRefit_KeepsNoTrialModels()
    {
        var result = new RecurrentExperiment(Options(trials: 2)).Run(FirstTokenClass(80, 7, 4, 8), FirstTokenClass(40, 8, 4, 8));
        Assert.IsNotNull(result.Refit);
        Assert.AreEqual(0, result.TrialModels.Count);
    }

    [TestMethod]
    public void Run_TinyTimeBudget_StopsPromptlyAfterAtLeastOneTrial()
    {
        var budget = TimeSpan.FromMilliseconds(200);
        // 1,000 epochs without early stopping take far longer than the budget, so the first trial must be cut short.
        var options = Options(trials: 200) with { TimeBudget = budget, MinEpochs = 1000, MaxEpochs = 1000, EarlyStoppingPatience = 1000 };
        var clock = Stopwatch.StartNew();
        var result = new RecurrentExperiment(options).Run(FirstTokenClass(400, 2, 10, 20));
        clock.Stop();
        TestContext.WriteLine($"elapsed {clock.Elapsed.TotalMilliseconds:F0} ms\n{result.FormatLeaderboard(5)}");

        Assert.IsTrue(clock.Elapsed < budget + TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.IsTrue(result.TimeBudgetExhausted);
        Assert.IsTrue(result.Leaderboard.Count is >= 1 and < 200, $"{result.Leaderboard.Count} trials");
        Assert.IsTrue(result.Runs[0].TimeBudgetExhausted && result.Runs[0].EpochsTrained is >= 1 and < 1000, "the running trial was cut short");
    }

    [TestMethod]
    public void Run_SameSeed_GivesTheSameLeaderboard_WhateverTheParallelism()
    {
        // A hold-out split (k-fold has its own test in RecurrentExperimentCrossValidationTests).
        var data = FirstTokenClass(100, 3, 4, 8);
        var first = new RecurrentExperiment(Options(trials: 4, seed: 7) with { CrossValidationFolds = 1 }).Run(data);
        var second = new RecurrentExperiment(Options(trials: 4, seed: 7) with { CrossValidationFolds = 1, MaxParallelTrials = 2 }).Run(data);
        var other = new RecurrentExperiment(Options(trials: 4, seed: 8) with { CrossValidationFolds = 1 }).Run(data);

        Assert.AreEqual(Describe(first), Describe(second));
        TestAssert.AssertBitIdentical(first.BestModel.Parameters.Values, second.BestModel.Parameters.Values, "refitted weights");
        Assert.AreNotEqual(Describe(first), Describe(other), "another seed samples other settings");
    }

    [TestMethod]
    public void Run_Cancelled_ThrowsOperationCanceledPromptly()
    {
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress([], _ => cts.Cancel());
        var clock = Stopwatch.StartNew();
        Assert.ThrowsExactly<OperationCanceledException>(() =>
            new RecurrentExperiment(Options(trials: 50)).Run(FirstTokenClass(100, 4, 4, 8), progress: progress, cancellationToken: cts.Token));
        Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.ThrowsExactly<OperationCanceledException>(() =>
            new RecurrentExperiment(Options(trials: 2)).Run(FirstTokenClass(20, 4, 4, 8), cancellationToken: new CancellationToken(true)));

        // In the middle of long trials running in parallel.
        using var later = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var longTrials = Options(trials: 4) with { MinEpochs = 1000, MaxEpochs = 1000, EarlyStoppingPatience = 1000, MaxParallelTrials = 2 };
        int threads = ComputeSettings.MaxThreads;
        clock.Restart();
        Assert.ThrowsExactly<OperationCanceledException>(() =>
            new RecurrentExperiment(longTrials).Run(FirstTokenClass(200, 4, 4, 8), cancellationToken: later.Token));
        Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.AreEqual(threads, ComputeSettings.MaxThreads, "the thread setting is restored");
    }

    [TestMethod]
    public void Run_LongMemoryTask_RanksAGatedCellFirst_AndTheBestModelRoundTrips()
    {
        // Four classes 30 to 35 steps back: a GRU or LSTM gets them all right, a tanh RNN at best about half. Gated cells sit
        // at chance for some epochs before they jump to 100%, so the first rung and the patience must outlast that plateau.
        var train = FirstTokenClass(400, 5, 30, 35, classes: 4);
        var test = FirstTokenClass(100, 6, 30, 35, classes: 4);
        var options = Options(trials: 8, seed: 3) with
        {
            Model = Classifier(classes: 4) with { ForgetGateBias = 1f },
            SearchSpace = Small with { HiddenSizes = [32], MinLearningRate = 1.5e-2, MaxLearningRate = 3e-2, BatchSizes = [8] },
            MinEpochs = 10, MaxEpochs = 25, ReductionFactor = 3, EarlyStoppingPatience = 10,
            // The hold-out split of ValidationFraction (400 sequences would get 5 folds and take 5 times as long).
            CrossValidationFolds = 1,
        };
        var result = new RecurrentExperiment(options).Run(train);
        TestContext.WriteLine(result.FormatLeaderboard());

        var cells = result.Leaderboard.Select(t => t.Settings.Cell).ToArray();
        Assert.IsTrue(cells.Contains(RecurrentCellKind.RnnTanh) && cells.Any(c => c != RecurrentCellKind.RnnTanh), "the seed samples both kinds");
        Assert.AreNotEqual(RecurrentCellKind.RnnTanh, result.BestTrial.Settings.Cell, "a gated cell ranks first");
        var evaluation = SequenceEvaluator.Evaluate(result.BestModel, test);
        Assert.IsTrue(evaluation.Accuracy > 0.9, $"test accuracy {evaluation.Accuracy:F3}");

        var loaded = RecurrentModelFile.FromBytes(new RecurrentModelFile(result.BestModel).ToBytes()).Model;
        Assert.AreEqual(evaluation.Loss, SequenceEvaluator.Evaluate(loaded, test).Loss, "loss after a save/load round trip");
    }

    internal static string Describe(ExperimentResult result) => string.Join("\n", result.Leaderboard.Select(t =>
        $"{t.TrialId} {t.Rung} {t.Settings} {t.Metric:R} {t.ValidationLoss:R} {t.BestEpoch}/{t.EpochsTrained} {string.Join(",", t.Folds.Select(f => f.Metric.ToString("R")))}"));

    internal sealed class SyncProgress(List<TrialResult> reports, Action<TrialResult>? onReport = null) : IProgress<TrialResult>
    {
        public void Report(TrialResult value)
        {
            reports.Add(value);
            onReport?.Invoke(value);
        }
    }
}
