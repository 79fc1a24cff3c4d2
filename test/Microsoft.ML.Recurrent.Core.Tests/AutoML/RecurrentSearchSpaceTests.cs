using Microsoft.ML.Recurrent.AutoML;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.AutoML;

[TestClass]
public sealed class RecurrentSearchSpaceTests
{
    private static readonly SequenceModelOptions LanguageModel = new() { Task = SequenceTask.LanguageModel, VocabularySize = 12 };

    [TestMethod]
    public void Sample_StaysInsideTheSpace_AndFollowsTheTaskRules()
    {
        var space = RecurrentSearchSpace.ForTask(SequenceTask.Classification) with { Cells = [RecurrentCellKind.Gru, RecurrentCellKind.RnnRelu] };
        var template = new SequenceModelOptions { Task = SequenceTask.Classification, VocabularySize = 50 };
        var random = new Random(1);
        var samples = Enumerable.Range(0, 300).Select(_ => space.Sample(random, template, stream: false)).ToArray();
        foreach (var s in samples)
        {
            CollectionAssert.Contains(space.Cells.ToArray(), s.Cell);
            CollectionAssert.Contains(space.HiddenSizes.ToArray(), s.HiddenSize);
            CollectionAssert.Contains(space.NumLayers.ToArray(), s.NumLayers);
            CollectionAssert.Contains(space.EmbeddingSizes.ToArray(), s.EmbeddingSize);
            CollectionAssert.Contains(space.BatchSizes.ToArray(), s.BatchSize);
            Assert.IsTrue(s.LearningRate >= space.MinLearningRate && s.LearningRate <= space.MaxLearningRate, $"learning rate {s.LearningRate}");
            Assert.IsTrue(s.NumLayers > 1 ? s.Dropout is >= 0 and <= 0.5f : s.Dropout == 0, $"dropout {s.Dropout} with {s.NumLayers} layer(s)");
            Assert.AreEqual(0, s.TruncationLength, "no truncation outside token streams");
            s.ToModelOptions(template).Validate();
            s.ToTrainerOptions(5, 0, 3, null).Validate();
        }
        Assert.IsTrue(samples.Select(s => s.Cell).Distinct().Count() == 2 && samples.Any(s => s.Bidirectional) && samples.Any(s => !s.Bidirectional));
        // Log-uniform: about half the draws fall below the geometric mean of the range.
        double middle = Math.Sqrt(space.MinLearningRate * space.MaxLearningRate);
        Assert.AreEqual(0.5, samples.Count(s => s.LearningRate < middle) / 300.0, 0.1);

        var lm = RecurrentSearchSpace.ForTask(SequenceTask.LanguageModel);
        var lmSamples = Enumerable.Range(0, 50).Select(_ => lm.Sample(random, LanguageModel, stream: true)).ToArray();
        Assert.IsTrue(lmSamples.All(s => !s.Bidirectional && s.TruncationLength > 0));
        var numeric = new SequenceModelOptions { Task = SequenceTask.Regression, InputFeatures = 3, OutputSize = 1 };
        Assert.AreEqual(0, space.Sample(random, numeric, stream: false).EmbeddingSize, "no embedding for numeric input");
    }

    [TestMethod]
    public void Validate_RejectsWhatCannotWork_NamingTheSetting()
    {
        var classifier = new SequenceModelOptions { Task = SequenceTask.Classification, VocabularySize = 10 };
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            new RecurrentExperiment(new RecurrentExperimentOptions { Model = classifier, Metric = ExperimentMetric.Rmse }));
        Assert.AreEqual("Metric", ex.ParamName);
        Assert.AreEqual("Bidirectional", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new RecurrentExperiment(new RecurrentExperimentOptions
        {
            Model = LanguageModel, SearchSpace = RecurrentSearchSpace.ForTask(SequenceTask.LanguageModel) with { Bidirectional = [false, true] },
        })).ParamName);
        Assert.AreEqual("Cells", Assert.ThrowsExactly<ArgumentException>(() => new RecurrentExperiment(new RecurrentExperimentOptions
        {
            Model = classifier, SearchSpace = new RecurrentSearchSpace { Cells = [] },
        })).ParamName);
        Assert.AreEqual("MaxEpochs", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            new RecurrentExperiment(new RecurrentExperimentOptions { Model = classifier, MinEpochs = 5, MaxEpochs = 4 })).ParamName);
        Assert.AreEqual("TimeBudget", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            new RecurrentExperiment(new RecurrentExperimentOptions { Model = classifier, TimeBudget = TimeSpan.Zero })).ParamName);
        Assert.AreEqual(ExperimentMetric.Accuracy, new RecurrentExperimentOptions { Model = classifier }.EffectiveMetric);
        Assert.AreEqual(ExperimentMetric.Rmse, new RecurrentExperimentOptions { Model = new() { Task = SequenceTask.Regression, OutputSize = 1 } }.EffectiveMetric);
        Assert.AreEqual(ExperimentMetric.Loss, new RecurrentExperimentOptions { Model = LanguageModel }.EffectiveMetric);

        var experiment = new RecurrentExperiment(new RecurrentExperimentOptions { Model = classifier });
        Assert.ThrowsExactly<InvalidOperationException>(() => experiment.RunStream([1, 2, 3]));
        var bad = new[] { SequenceExample.ForClassification([1, 2], 0), SequenceExample.ForClassification([1, 99], 1) };
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => experiment.Run(bad)).Message, "token id 99");
    }

    [TestMethod]
    public void RunStream_LanguageModel_LearnsTheStreamAndRefitsOnAllOfIt()
    {
        // A cyclic text with a little noise: the next token is predictable, so the loss falls far below log(12).
        var rng = new Random(2);
        var tokens = Enumerable.Range(0, 3000).Select(i => rng.NextDouble() < 0.05 ? 11 : i % 11).ToArray();
        var options = new RecurrentExperimentOptions
        {
            Model = LanguageModel, MaxTrials = 3, MinEpochs = 1, MaxEpochs = 3, ReductionFactor = 2, Seed = 4, IncludeTemplate = false,
            SearchSpace = RecurrentSearchSpace.ForTask(SequenceTask.LanguageModel) with
            {
                HiddenSizes = [16], NumLayers = [1, 2], EmbeddingSizes = [8], BatchSizes = [8], TruncationLengths = [10, 20], MinLearningRate = 5e-3, MaxLearningRate = 2e-2,
            },
        };
        var result = new RecurrentExperiment(options).RunStream(tokens);

        Assert.AreEqual(ExperimentMetric.Loss, result.Metric);
        Assert.AreEqual(3, result.Leaderboard.Count);
        Assert.IsTrue(result.Leaderboard.All(t => t.Settings.TruncationLength is 10 or 20 && !t.Settings.Bidirectional));
        Assert.IsTrue(result.BestTrial.Metric < 0.6 * Math.Log(12), $"best validation loss {result.BestTrial.Metric:F3}");
        Assert.AreEqual(SequenceTask.LanguageModel, result.BestModel.Options.Task);
        Assert.AreEqual(result.BestTrial.BestEpoch, result.Refit!.History.Count);
        Assert.IsTrue(SequenceEvaluator.EvaluateStream(result.BestModel, tokens[^300..], streams: 4, chunkLength: 20).Loss < Math.Log(12) / 2);
    }

    [TestMethod]
    public void Run_Regression_UsesRmse_AndAllDivergedTrialsGiveAClearError()
    {
        var rng = new Random(3);
        var series = Enumerable.Range(0, 80).Select(_ =>
        {
            var x = Enumerable.Range(0, 6).Select(_ => (float)rng.NextDouble()).ToArray();
            return SequenceExample.ForRegression(x, [x.Sum()]);
        }).ToList();
        var model = new SequenceModelOptions { Task = SequenceTask.Regression, InputFeatures = 1, OutputSize = 1 };
        var space = new RecurrentSearchSpace { HiddenSizes = [8], NumLayers = [1], Bidirectional = [false], BatchSizes = [16], Cells = [RecurrentCellKind.Gru] };
        var options = new RecurrentExperimentOptions { Model = model, SearchSpace = space, MaxTrials = 2, MinEpochs = 2, MaxEpochs = 4, ReductionFactor = 2, IncludeTemplate = false };
        var result = new RecurrentExperiment(options).Run(series);
        Assert.AreEqual(ExperimentMetric.Rmse, result.Metric);
        Assert.IsFalse(result.HigherIsBetter);
        Assert.IsTrue(result.Leaderboard.All(t => t.Metric == t.ValidationRmse && t.Settings.EmbeddingSize == 0));
        Assert.IsTrue(result.Leaderboard[0].Metric <= result.Leaderboard[1].Metric);

        // SGD at 1e12 with ReLU cells overflows at once: every trial fails, and the experiment says so.
        var diverging = options with
        {
            SearchSpace = space with { Cells = [RecurrentCellKind.RnnRelu], Optimizers = [OptimizerKind.Sgd], MinLearningRate = 1e12, MaxLearningRate = 1e12, ClipGradientNorms = [1e30] },
        };
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => new RecurrentExperiment(diverging).Run(series));
        StringAssert.Contains(error.Message, "None of the 2 trial(s) trained successfully");
    }
}
