using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.SavedModel;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.PluginTests;

/// <summary>
/// What every trainer does without being asked: hold out a validation share (class by class, or the most recent rows
/// of a series), stop early and keep the best epoch's weights, and give probabilities strictly inside (0, 1).
/// </summary>
[TestClass]
public sealed class RecurrentTrainingDefaultsTests
{
    [TestMethod]
    public void Fit_DefaultOptions_ValidatesEveryEpochOnATenthOfTheRows()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(RecurrentTextBinaryTrainerTests.Sentences(200, 1));
        var model = ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options { Epochs = 2, HiddenSize = 8, EmbeddingSize = 8 }).Fit(data);
        Assert.AreEqual(2, model.TrainingResult.History.Count);
        foreach (var epoch in model.TrainingResult.History)
        {
            Assert.AreEqual(20, epoch.Validation?.Count, $"epoch {epoch.Epoch} validated on 10% of 200 rows");
        }
    }

    [TestMethod]
    public void Fit_ValidationLossWorsens_StopsAfterPatienceAndKeepsTheBestEpoch()
    {
        // Random labels: memorising them makes the held-out loss worse after the first epochs.
        var random = new Random(3);
        var rows = RecurrentTextBinaryTrainerTests.Sentences(200, 4).Select(r => new RecurrentTextBinaryTrainerTests.Row { Text = r.Text, Label = random.Next(2) == 1 });
        var ml = new MLContext(1);
        var options = new RecurrentTextBinaryTrainer.Options
        {
            HiddenSize = 16, EmbeddingSize = 16, LearningRate = 0.02, EmbeddingDropout = 0, InputDropout = 0, WeightDropout = 0, OutputDropout = 0,
            CalibrateProbabilities = false,
        };
        var result = ml.BinaryClassification.Trainers.RecurrentTextClassifier(options).Fit(ml.Data.LoadFromEnumerable(rows)).TrainingResult;
        Assert.IsTrue(result.StoppedEarly, $"{result.History.Count} epochs");
        Assert.AreEqual(result.BestEpoch + options.EarlyStoppingPatience, result.History.Count);
        double best = result.History.Min(e => e.Validation!.Loss);
        Assert.AreEqual(best, result.History[result.BestEpoch - 1].Validation!.Loss, "the kept epoch is the one of the lowest validation loss");
    }

    [TestMethod]
    public void Fit_TooFewRowsToHoldOut_TrainsOnEveryRowForAllEpochs()
    {
        // 10% of 120 rows is 12, under the 20 held-out rows worth stopping and calibrating on.
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(RecurrentTextBinaryTrainerTests.Sentences(120, 1));
        var model = ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options { Epochs = 3, HiddenSize = 8, EmbeddingSize = 8 }).Fit(data);
        Assert.AreEqual(3, model.TrainingResult.History.Count);
        Assert.IsTrue(model.TrainingResult.History.All(e => e.Validation is null), "no epoch validated");
    }

    [TestMethod]
    public void Fit_RefitOnAllRows_TrainsAFreshModelOnEveryRowForTheBestEpochCount()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(RecurrentTextBinaryTrainerTests.Sentences(200, 1));
        var epochs = new List<TrainingProgress>();
        var options = new RecurrentTextBinaryTrainer.Options
        {
            Epochs = 4, HiddenSize = 8, EmbeddingSize = 8, RefitOnAllRows = true, EnsembleSize = 1, Progress = new SyncProgress(p => { if (p.IsEpochEnd) { epochs.Add(p); } }),
        };
        var model = ml.BinaryClassification.Trainers.RecurrentTextClassifier(options).Fit(data);
        var held = epochs.TakeWhile(p => p.Validation is not null).ToList();
        Assert.AreEqual(4, held.Count, "the first run validates every epoch on the held-out tenth");
        int best = held.IndexOf(held.MinBy(p => p.Validation!.Loss)!) + 1;
        Assert.AreEqual(best, epochs.Count - held.Count, "the refit runs for the best epoch count");
        Assert.AreEqual(best, model.TrainingResult.History.Count);
        Assert.IsTrue(model.TrainingResult.History.All(e => e.Validation is null), "the refit holds nothing out");
    }

    [TestMethod]
    public void Fit_SeriesDefaults_ValidateOnTheLastRows()
    {
        var ml = new MLContext(1);
        var windows = RecurrentSeriesRegressionTrainerTests.Windows(100, 1);
        var options = new RecurrentSeriesRegressionTrainer.Options { Epochs = 1, HiddenSize = 4 };
        var model = ml.Regression.Trainers.RecurrentSeriesRegressor(options).Fit(ml.Data.LoadFromEnumerable(windows));
        Assert.AreEqual(10, model.TrainingResult.History[0].Validation?.Count);
        var (train, validation) = ValidationSplit.SplitLast(Enumerable.Range(0, 100).ToList(), 0.1);
        CollectionAssert.AreEqual(Enumerable.Range(90, 10).ToList(), validation);
        CollectionAssert.AreEqual(Enumerable.Range(0, 90).ToList(), train);
    }

    [TestMethod]
    public void Split_WithClasses_HoldsOutEachClassInItsShare()
    {
        var items = Enumerable.Range(0, 200).ToList();
        var (train, validation) = ValidationSplit.Split(items, 0.1, seed: 5, stratum: i => i < 180 ? 0 : 1);
        Assert.AreEqual(18, validation!.Count(i => i < 180));
        Assert.AreEqual(2, validation!.Count(i => i >= 180));
        CollectionAssert.AreEquivalent(items, train.Concat(validation!).ToList());
        var (_, again) = ValidationSplit.Split(items, 0.1, seed: 5, stratum: i => i < 180 ? 0 : 1);
        CollectionAssert.AreEqual(validation, again, "the same seed holds out the same rows");
        var (_, single) = ValidationSplit.Split([1, 2, 3], 0.1, seed: 5, stratum: i => i);
        Assert.AreEqual(1, single!.Count, "classes too small for a share still leave one row to validate on");
    }

    [TestMethod]
    [DataRow(0f, 1e-6f)]
    [DataRow(1f, 1f - 1e-6f)]
    [DataRow(1e-9f, 1e-6f)]
    [DataRow(0.3f, 0.3f)]
    [DataRow(0.9999f, 0.9999f)]
    public void BoundProbability_KeepsProbabilitiesInsideTheBound(float p, float expected)
    {
        Assert.AreEqual(expected, Mappings.BoundProbability(p));
        Assert.IsTrue(expected < 1f && expected > 0f);
    }

    [TestMethod]
    public void Evaluate_OverconfidentWrongModel_ProbabilitiesInsideZeroOneAndFiniteLogLoss()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(RecurrentTextBinaryTrainerTests.Sentences(100, 1));
        var trained = ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options { Epochs = 2, HiddenSize = 8, EmbeddingSize = 8, NgramEnsemble = false }).Fit(data);
        var bundle = trained.Model;
        // (The recurrent classifier alone: an ensemble's n-gram part would temper the head.) Head weights x -1e4: every prediction is wrong and as confident as a float sigmoid can be (exactly 0 or 1 unbounded).
        var weights = bundle.Model.Parameters.GetValues("fc.weight");
        System.Numerics.Tensors.TensorPrimitives.Multiply(weights, -1e4f, weights);
        var model = RecurrentTextBinaryTrainer.CreateTransformer(ml, "Text", bundle.Model, bundle.Sequencer!, 256, null, data);
        var scored = model.Transform(data);
        float[] probabilities = scored.GetColumn<float>("Probability").ToArray();
        Assert.IsTrue(probabilities.All(p => p >= 1e-6f && p <= 1f - 1e-6f), string.Join(", ", probabilities.Take(5)));
        CollectionAssert.Contains(probabilities, 1e-6f, "some probability reached the bound");
        var metrics = ml.BinaryClassification.Evaluate(scored);
        Assert.IsTrue(double.IsFinite(metrics.LogLoss), $"log-loss {metrics.LogLoss}");
        Assert.IsTrue(metrics.LogLoss <= -Math.Log2(1e-6) + 1e-3, $"log-loss {metrics.LogLoss} is at most -log2(1e-6) per row");
    }

    private sealed class SyncProgress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }
}
