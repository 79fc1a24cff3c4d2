using Microsoft.ML.Recurrent.Generation;

namespace Microsoft.ML.Recurrent.PluginTests;

[TestClass]
public sealed class RecurrentLanguageModelEstimatorTests
{
    public sealed class Line
    {
        public string Text { get; set; } = "";
    }

    public sealed class NextToken
    {
        public string PredictedToken { get; set; } = "";

        public float Probability { get; set; }

        public float[] NextTokenProbabilities { get; set; } = [];
    }

    [TestMethod]
    public void LanguageModel_PredictsNextToken_AndGeneratesTheSameAfterALoad()
    {
        var ml = new MLContext(1);
        var lines = Enumerable.Range(0, 60).Select(i => new Line { Text = i % 2 == 0 ? "hello world" : "hello there" }).ToList();
        var data = ml.Data.LoadFromEnumerable(lines);
        var model = ml.Transforms.Text.RecurrentLanguageModel(new RecurrentLanguageModelEstimator.Options { Epochs = 30, HiddenSize = 32, EmbeddingSize = 16, Seed = 1, LearningRate = 0.01 }).Fit(data);

        var engine = ml.Model.CreatePredictionEngine<Line, NextToken>(model);
        var p = engine.Predict(new Line { Text = "hell" });
        Assert.AreEqual("o", p.PredictedToken);
        Assert.IsTrue(p.Probability > 0.9, $"p = {p.Probability}");
        Assert.AreEqual(model.Model.Sequencer!.Vocabulary.Count, p.NextTokenProbabilities.Length, "the whole distribution");
        Assert.AreEqual(1f, p.NextTokenProbabilities.Sum(), 1e-4f);
        Assert.AreEqual(p.Probability, p.NextTokenProbabilities.Max());

        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out _);
        var options = new GenerationOptions { MaxLength = 8, Temperature = 0.5f, Seed = 4 };
        string original = model.CreateGenerator().Generate("hello w", options);
        string reloaded = RecurrentModels.CreateGenerator(loaded).Generate("hello w", options);
        Assert.AreEqual(original, reloaded, "generation from the loaded model");
        StringAssert.StartsWith("hello w" + reloaded, "hello world");
        Assert.AreEqual(model.Model.Model.Parameters.Count, RecurrentModels.FromTransformer(loaded).Model.Parameters.Count);
    }

    [TestMethod]
    public void FromTransformer_OnAChainWithoutARecurrentModel_Throws()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Line { Text = "a b" } });
        var chain = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Fit(data);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => RecurrentModels.FromTransformer(chain)).Message, "holds no recurrent model");
    }
}
