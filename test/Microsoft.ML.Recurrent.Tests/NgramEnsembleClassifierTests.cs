using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Models;
using static Microsoft.ML.Recurrent.PluginTests.RecurrentTextBinaryTrainerTests;

namespace Microsoft.ML.Recurrent.PluginTests;

/// <summary>The text classifier's n-gram ensemble (NgramEnsemble): trains, calibrates, saves, reloads and explains.</summary>
[TestClass]
public sealed class NgramEnsembleClassifierTests
{
    private static RecurrentTextBinaryTrainer.Options Small => new() { Epochs = 8, HiddenSize = 16, EmbeddingSize = 16, Seed = 1 };

    [TestMethod]
    public void NgramEnsemble_TrainsSavesAndReloadsExactly_AndAttributesEveryToken()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Sentences(200, 1));
        var options = Small;
        options.NgramEnsemble = true;
        options.OutputAttributions = true;
        options.EnsembleSize = 1; // the Core explainer's values are one model's
        var model = ml.BinaryClassification.Trainers.RecurrentTextClassifier(options).Fit(data);
        var o = model.Model.Model.Options;
        Assert.IsTrue(o.NgramEnsemble);
        Assert.AreEqual(1 << 10, o.NgramBuckets, "8 buckets for each of 69 distinct n-grams is below 2^10, the floor");
        var test = ml.Data.LoadFromEnumerable(Sentences(100, 2));
        var scored = model.Transform(test);
        var metrics = ml.BinaryClassification.Evaluate(scored);
        Assert.IsTrue(metrics.Accuracy > 0.95, $"accuracy {metrics.Accuracy}");
        Assert.IsTrue(double.IsFinite(metrics.LogLoss), $"log-loss {metrics.LogLoss}");
        var probabilities = scored.GetColumn<float>("Probability").ToArray();
        Assert.IsTrue(probabilities.All(p => p > 0 && p < 1), "every probability strictly inside (0, 1)");

        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out _);
        CollectionAssert.AreEqual(scored.GetColumn<float>("Score").ToArray(), loaded.Transform(test).GetColumn<float>("Score").ToArray());
        var values = loaded.Transform(test).GetColumn<float[]>("Attributions").First();
        var explained = new Microsoft.ML.Recurrent.Explainability.IntegratedGradients(model.Model.Model)
            .Explain(model.Model.Sequencer!, Sentences(100, 2)[0].Text, targetClass: 1);
        CollectionAssert.AreEqual(explained.Values.ToArray(), values, "the Core explainer's values, both parts included");
        Assert.AreEqual(0, explained.CompletenessError, 0.05 * Math.Max(1, Math.Abs(explained.Score - explained.BaselineScore)));
    }

    [TestMethod]
    public void NgramEnsemble_WithAPretrainedLanguageModel_SitsBesideTheFineTunedEncoderAndReloadsExactly()
    {
        // The default (NgramEnsemble true) with a language model: its encoder under a fresh head, and the n-gram classifier beside it.
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Sentences(40, 1));
        var languageModel = ml.Transforms.Text.RecurrentLanguageModel(new RecurrentLanguageModelEstimator.Options { WordTokens = true, Epochs = 1, HiddenSize = 8, EmbeddingSize = 8, Seed = 1 }).Fit(data);
        var options = Small;
        Assert.IsTrue(options.NgramEnsemble, "the default");
        options.Epochs = 2;
        options.PretrainedLanguageModel = languageModel;
        var model = ml.BinaryClassification.Trainers.RecurrentTextClassifier(options).Fit(data);
        Assert.IsTrue(model.Model.Model.Options.UsesNgrams && model.Model.Model.Options.NgramEnsemble);
        Assert.IsFalse(model.Model.Model.Options.IsBidirectional, "the language model's forward encoder");
        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out _);
        CollectionAssert.AreEqual(model.Transform(data).GetColumn<float>("Score").ToArray(), loaded.Transform(data).GetColumn<float>("Score").ToArray());
    }

    [TestMethod]
    public void NgramBuckets_DistinctNgrams_GivesEightBucketsEachUpToTheCap()
    {
        // 200 distinct tokens in a row: 200 unigrams and 199 bigrams, 8 x 399 = 3,192 -> 4,096 (twice the n-grams gave 1,024).
        var few = new List<SequenceExample> { SequenceExample.ForClassification([.. Enumerable.Range(0, 200)], 0) };
        Assert.AreEqual(1 << 12, TextClassifierTraining.NgramBuckets(few));
        // A repeated sentence adds nothing: the rule counts distinct n-grams.
        few.Add(few[0]);
        Assert.AreEqual(1 << 12, TextClassifierTraining.NgramBuckets(few));
        var more = new List<SequenceExample> { SequenceExample.ForClassification([.. Enumerable.Range(0, 20_000)], 0) };
        Assert.AreEqual(1 << 19, TextClassifierTraining.NgramBuckets(more), "8 x 39,999 n-grams = 319,992 -> 2^19");
        var many = new List<SequenceExample> { SequenceExample.ForClassification([.. Enumerable.Range(0, 70_000)], 0) };
        Assert.AreEqual(1 << 20, TextClassifierTraining.NgramBuckets(many), "8 x 139,999 n-grams is above 2^20, the cap");
    }
}
