using Microsoft.ML.Recurrent.AutoML;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Training;
using static Microsoft.ML.Recurrent.Tests.AutoML.RecurrentExperimentTests;

namespace Microsoft.ML.Recurrent.Tests.AutoML;

[TestClass]
public sealed class RecurrentExperimentCrossValidationTests
{
    public TestContext TestContext { get; set; } = null!;

    private static readonly SequenceModelOptions LanguageModel = new() { Task = SequenceTask.LanguageModel, VocabularySize = 12 };

    // One trial of one epoch: enough to see how the data was split.
    private static RecurrentExperimentOptions OneEpoch(SequenceModelOptions model) => new()
    {
        Model = model, MaxTrials = 1, MinEpochs = 1, MaxEpochs = 1, Seed = 2,
        SearchSpace = Small with { Cells = [RecurrentCellKind.Gru], HiddenSizes = [8], BatchSizes = [16], TruncationLengths = [10] },
    };

    // A cyclic text with a little noise, as in the language-model stream test.
    private static int[] CyclicStream(int length, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, length).Select(i => rng.NextDouble() < 0.05 ? 11 : i % 11)];
    }

    private static void AssertFoldMeans(TrialResult trial, int folds)
    {
        Assert.AreEqual(folds, trial.Folds.Count, $"trial {trial.TrialId} rung {trial.Rung}");
        CollectionAssert.AreEqual(Enumerable.Range(0, folds).ToArray(), trial.Folds.Select(f => f.Fold).ToArray());
        Assert.IsTrue(trial.Folds.All(f => f.EpochsTrained >= 1 && f.BestEpoch >= 1 && f.BestEpoch <= f.EpochsTrained));
        Assert.AreEqual(trial.Folds.Average(f => f.Metric), trial.Metric, "the metric is the mean over folds");
        Assert.AreEqual(trial.Folds.Average(f => f.Validation.Loss), trial.ValidationLoss);
        Assert.AreEqual((int)Math.Round(trial.Folds.Average(f => f.BestEpoch), MidpointRounding.AwayFromZero), trial.BestEpoch);
        Assert.AreEqual(trial.Folds.Max(f => f.EpochsTrained), trial.EpochsTrained);
        Assert.AreEqual(TimeSpan.FromTicks(trial.Folds.Sum(f => f.TrainingTime.Ticks)), trial.TrainingTime, "training time is the folds' sum");
        double mean = trial.Metric;
        double sd = Math.Sqrt(trial.Folds.Sum(f => (f.Metric - mean) * (f.Metric - mean)) / (folds - 1));
        Assert.AreEqual(sd, trial.MetricStandardDeviation, 1e-12);
    }

    [TestMethod]
    public void Run_SmallDataWithoutValidation_CrossValidatesInFiveFolds_AndTheRefitModelRoundTrips()
    {
        var train = FirstTokenClass(120, 1, 4, 8);
        var reports = new List<TrialResult>();
        var result = new RecurrentExperiment(Options(trials: 3)).Run(train, progress: new SyncProgress(reports));
        string board = result.FormatLeaderboard();
        TestContext.WriteLine(board);

        Assert.AreEqual(5, result.CrossValidationFolds);
        CollectionAssert.AreEqual(result.Runs.ToArray(), reports.ToArray(), "one progress report per run, folds included");
        foreach (var run in result.Runs)
        {
            AssertFoldMeans(run, 5);
            Assert.AreEqual(120, run.Folds.Sum(f => f.Validation.Count), "every example is validated on exactly once");
            Assert.IsTrue(run.Folds.All(f => f.Validation.Count == 24), "equal folds");
        }
        Assert.AreEqual(result.BestTrial.BestEpoch, result.Refit!.History.Count, "the refit trains for the folds' mean best epoch");
        StringAssert.Contains(board, "5-fold cross-validation");
        StringAssert.Contains(board, result.BestTrial.MetricStandardDeviation.ToString("F4", System.Globalization.CultureInfo.InvariantCulture));

        var test = FirstTokenClass(60, 9, 4, 8);
        var loaded = RecurrentModelFile.FromBytes(new RecurrentModelFile(result.BestModel).ToBytes()).Model;
        Assert.AreEqual(SequenceEvaluator.Evaluate(result.BestModel, test).Loss, SequenceEvaluator.Evaluate(loaded, test).Loss, "loss after a save/load round trip");
    }

    [TestMethod]
    public void Run_AutomaticFolds_OnlyBelowTheSmallDataThreshold_AndNeverWithValidationData()
    {
        int small = ExperimentData.SmallExampleCount;
        var justSmall = new RecurrentExperiment(OneEpoch(Classifier())).Run(FirstTokenClass(small - 1, 2, 3, 5));
        Assert.AreEqual(ExperimentData.AutomaticFolds, justSmall.CrossValidationFolds);
        Assert.AreEqual(small - 1, justSmall.BestTrial.Folds.Sum(f => f.Validation.Count));

        var large = new RecurrentExperiment(OneEpoch(Classifier())).Run(FirstTokenClass(small, 2, 3, 5));
        Assert.AreEqual(1, large.CrossValidationFolds);
        Assert.AreEqual(0, large.BestTrial.Folds.Count, "a hold-out run has no folds");
        Assert.IsTrue(double.IsNaN(large.BestTrial.MetricStandardDeviation));
        Assert.IsFalse(large.FormatLeaderboard().Contains("fold", StringComparison.Ordinal), "no spread column without folds");

        var given = new RecurrentExperiment(OneEpoch(Classifier())).Run(FirstTokenClass(40, 3, 3, 5), FirstTokenClass(20, 4, 3, 5));
        Assert.AreEqual(1, given.CrossValidationFolds, "given validation data is used as it is");

        var tiny = new RecurrentExperiment(OneEpoch(Classifier())).Run(FirstTokenClass(3, 5, 3, 5));
        Assert.AreEqual(3, tiny.CrossValidationFolds, "at most one fold per example");
    }

    [TestMethod]
    public void RunStream_SmallStreamCutIntoContiguousFolds_LargeStreamHoldsOut_ExplicitFoldsHonoured()
    {
        var small = new RecurrentExperiment(OneEpoch(LanguageModel)).RunStream(CyclicStream(3000, 1));
        Assert.AreEqual(ExperimentData.AutomaticFolds, small.CrossValidationFolds);
        AssertFoldMeans(small.BestTrial, ExperimentData.AutomaticFolds);
        Assert.AreEqual(small.BestTrial.BestEpoch, small.Refit!.History.Count);

        var stream = CyclicStream(ExperimentData.SmallTokenCount, 2);
        Assert.AreEqual(1, new RecurrentExperiment(OneEpoch(LanguageModel)).RunStream(stream).CrossValidationFolds);
        var two = new RecurrentExperiment(OneEpoch(LanguageModel) with { CrossValidationFolds = 2 }).RunStream(stream);
        Assert.AreEqual(2, two.CrossValidationFolds);
        AssertFoldMeans(two.BestTrial, 2);
    }

    [TestMethod]
    public void Run_ExplicitFolds_TrainOneModelPerFoldAtEveryRung()
    {
        // 600 sequences would be held out by default; 3 folds are asked for.
        var train = FirstTokenClass(600, 6, 3, 5);
        var result = new RecurrentExperiment(Options(trials: 3) with { CrossValidationFolds = 3, MaxEpochs = 2, IncludeTemplate = false }).Run(train);
        Assert.AreEqual(3, result.CrossValidationFolds);
        Assert.IsTrue(result.Runs.Any(r => r.Rung > 0), "successive halving promoted a configuration");
        foreach (var run in result.Runs)
        {
            AssertFoldMeans(run, 3);
            Assert.IsTrue(run.Folds.All(f => f.Validation.Count == 200));
        }

        var holdOut = new RecurrentExperiment(OneEpoch(Classifier()) with { CrossValidationFolds = 1 }).Run(FirstTokenClass(100, 7, 3, 5));
        Assert.AreEqual(1, holdOut.CrossValidationFolds);
        Assert.AreEqual(0, holdOut.BestTrial.Folds.Count, "CrossValidationFolds = 1 holds out even small data");
    }

    [TestMethod]
    public void DealFolds_SameSeed_StratifiesByClass_AndValidatesEveryExampleOnce()
    {
        // 90 of class 0 and 10 of class 1: each of 5 folds gets 18 and 2.
        var examples = Enumerable.Range(0, 100).Select(i => SequenceExample.ForClassification([1, 2], i % 10 == 3 ? 1 : 0)).ToList();
        var folds = ExperimentData.DealFolds(examples, 5, seed: 4);
        CollectionAssert.AreEqual(Enumerable.Range(0, 100).ToArray(), folds.SelectMany(f => f).Order().ToArray(), "each example in exactly one fold");
        Assert.IsTrue(folds.All(f => f.Length == 20 && f.Count(i => examples[i].Label == 1) == 2), "stratified");
        Assert.IsTrue(folds.All(f => f.SequenceEqual(f.Order())), "indices ascending, so each part keeps the input order");
        Assert.IsTrue(folds.Zip(ExperimentData.DealFolds(examples, 5, seed: 4)).All(p => p.First.SequenceEqual(p.Second)), "seeded");
        Assert.IsFalse(folds.Zip(ExperimentData.DealFolds(examples, 5, seed: 5)).All(p => p.First.SequenceEqual(p.Second)), "another seed deals otherwise");

        // Without classes (labels -1) the deal is plain; 7 into 3 folds: sizes 3, 2, 2.
        var unlabelled = Enumerable.Range(0, 7).Select(_ => SequenceExample.ForRegression([1f], [1f])).ToList();
        CollectionAssert.AreEqual(new[] { 3, 2, 2 }, ExperimentData.DealFolds(unlabelled, 3, seed: 1).Select(f => f.Length).ToArray());
    }

    [TestMethod]
    public void Run_KFoldWithoutRefit_ReturnsTheBestFoldsModel()
    {
        var train = FirstTokenClass(90, 8, 4, 8);
        var options = Options(trials: 2) with { CrossValidationFolds = 3, RefitOnAllData = false };
        var result = new RecurrentExperiment(options).Run(train);
        Assert.IsNull(result.Refit);
        var best = result.BestTrial.Folds.OrderBy(f => -f.Metric).ThenBy(f => f.Validation.Loss).ThenBy(f => f.Fold).First();
        var held = ExperimentData.DealFolds(train, 3, options.Seed)[best.Fold].Select(i => train[i]).ToArray();
        Assert.AreEqual(best.Validation.Loss, SequenceEvaluator.Evaluate(result.BestModel, held).Loss, 1e-9,
            "the returned model is the best fold's, validated on that fold");
    }

    [TestMethod]
    public void Run_KFold_SameSeed_GivesTheSameLeaderboard_WhateverTheParallelism()
    {
        var data = FirstTokenClass(100, 3, 4, 8);
        var options = Options(trials: 4, seed: 7) with { CrossValidationFolds = 3 };
        var first = new RecurrentExperiment(options).Run(data);
        var second = new RecurrentExperiment(options with { MaxParallelTrials = 2 }).Run(data);
        var other = new RecurrentExperiment(options with { Seed = 8 }).Run(data);

        Assert.IsTrue(first.Leaderboard.All(t => t.Folds.Count == 3));
        Assert.AreEqual(Describe(first), Describe(second));
        TestAssert.AssertBitIdentical(first.BestModel.Parameters.Values, second.BestModel.Parameters.Values, "refitted weights");
        Assert.AreNotEqual(Describe(first), Describe(other), "another seed samples other settings and folds");
    }

    [TestMethod]
    public void Run_KFoldTinyTimeBudget_TheCutTrialStillReports()
    {
        // 1,000 epochs without early stopping take far longer than the budget: the first fold of the first trial is cut
        // short, no other fold starts, and the trial reports that fold's figures.
        var options = Options(trials: 200) with
        {
            TimeBudget = TimeSpan.FromMilliseconds(200), MinEpochs = 1000, MaxEpochs = 1000, EarlyStoppingPatience = 1000, CrossValidationFolds = 5,
        };
        var result = new RecurrentExperiment(options).Run(FirstTokenClass(400, 2, 10, 20));
        TestContext.WriteLine(result.FormatLeaderboard(5));

        Assert.IsTrue(result.TimeBudgetExhausted);
        Assert.IsTrue(result.Leaderboard.Count is >= 1 and < 200, $"{result.Leaderboard.Count} trials");
        var first = result.Runs[0];
        Assert.IsTrue(first.Succeeded && first.TimeBudgetExhausted && !first.StoppedEarly);
        Assert.AreEqual(1, first.Folds.Count, "no fold starts after the budget");
        Assert.IsTrue(first.Folds[0].TimeBudgetExhausted && first.Folds[0].EpochsTrained is >= 1 and < 1000);
        Assert.AreEqual(first.Folds[0].Metric, first.Metric);
        Assert.IsNotNull(result.Refit, "the refit still runs");
    }

    [TestMethod]
    public void TrialComparer_TrialsCutShortOfTheirFolds_RankAfterTrialsWithEveryFold()
    {
        static FoldResult Fold(int fold, double accuracy) =>
            new(fold, 2, 1, accuracy, new EvaluationResult(0.5, 10, accuracy, double.NaN), TimeSpan.Zero, false, false);
        var settings = new TrialSettings(RecurrentCellKind.Gru, 8, 1, false, 8, 0f, OptimizerKind.Adam, 1e-2, 16, 0, 5);
        var complete = new TrialResult { TrialId = 0, Settings = settings, Metric = 0.6, ValidationLoss = 0.5, Folds = [Fold(0, 0.6), Fold(1, 0.6), Fold(2, 0.6)] };
        var better = complete with { TrialId = 1, Metric = 0.7 };
        var cut = complete with { TrialId = 2, Metric = 0.9, Folds = [Fold(0, 0.9)], TimeBudgetExhausted = true };
        var failed = complete with { TrialId = 3, Error = "diverged" };

        var ranked = new[] { cut, failed, complete, better }.Order(new RecurrentExperiment.TrialComparer(ExperimentMetric.Accuracy));
        CollectionAssert.AreEqual(new[] { 1, 0, 2, 3 }, ranked.Select(t => t.TrialId).ToArray(), "a mean over one fold is not compared with one over three");
    }

    [TestMethod]
    public void Validate_CrossValidationFolds_OutOfRangeOrWithValidationData_ThrowsNamingIt()
    {
        foreach (int folds in new[] { 0, -1, 11 })
        {
            var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new RecurrentExperiment(Options(trials: 1) with { CrossValidationFolds = folds }));
            Assert.AreEqual("CrossValidationFolds", ex.ParamName);
            StringAssert.Contains(ex.Message, $"CrossValidationFolds is {folds}; allowed are 1 (a hold-out split), 2 to 10 (k-fold cross-validation) or null");
        }
        var experiment = new RecurrentExperiment(Options(trials: 1) with { CrossValidationFolds = 3 });
        var withValidation = Assert.ThrowsExactly<ArgumentException>(() => experiment.Run(FirstTokenClass(30, 1, 3, 5), FirstTokenClass(10, 2, 3, 5)));
        Assert.AreEqual("validation", withValidation.ParamName);
        StringAssert.Contains(withValidation.Message, "CrossValidationFolds is 3 and validation was given");
        var tooFew = Assert.ThrowsExactly<ArgumentException>(() => experiment.Run(FirstTokenClass(2, 1, 3, 5)));
        Assert.AreEqual("train", tooFew.ParamName);
        StringAssert.Contains(tooFew.Message, "CrossValidationFolds = 3 needs at least 3");

        var lm = new RecurrentExperiment(OneEpoch(LanguageModel) with { CrossValidationFolds = 10 });
        Assert.AreEqual("validationTokens", Assert.ThrowsExactly<ArgumentException>(() => lm.RunStream(CyclicStream(500, 1), CyclicStream(50, 2))).ParamName);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => lm.RunStream(CyclicStream(19, 1))).Message, "CrossValidationFolds = 10 needs at least 20");
    }
}
