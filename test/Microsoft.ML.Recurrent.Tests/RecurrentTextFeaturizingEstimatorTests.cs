using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent.PluginTests;

[TestClass]
public sealed class RecurrentTextFeaturizingEstimatorTests
{
    public sealed class Row
    {
        public string Text { get; set; } = "";

        public bool Label { get; set; }
    }

    [TestMethod]
    public void Featurizer_GivesAKnownSizeVector_ThatAStockTrainerUses_BeforeAndAfterALoad()
    {
        var ml = new MLContext(1);
        var rng = new Random(2);
        var rows = Enumerable.Range(0, 200).Select(_ =>
        {
            bool positive = rng.Next(2) == 1;
            string letters = positive ? "abcab" : "xyzxy";
            return new Row { Text = new string(Enumerable.Range(0, rng.Next(4, 10)).Select(_ => letters[rng.Next(5)]).ToArray()), Label = positive };
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.Text.RecurrentFeaturizer("Features", new RecurrentLanguageModelEstimator.Options { Epochs = 3, HiddenSize = 32, EmbeddingSize = 8, Seed = 1 })
            .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression());
        var model = pipeline.Fit(data);
        var transformed = model.Transform(data);
        Assert.AreEqual(32, ((VectorDataViewType)transformed.Schema["Features"].Type).Size, "known size");
        var metrics = ml.BinaryClassification.Evaluate(transformed);
        Assert.IsTrue(metrics.Accuracy > 0.9, $"accuracy {metrics.Accuracy}");

        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out _);
        var reloaded = loaded.Transform(data);
        Assert.AreEqual(32, ((VectorDataViewType)reloaded.Schema["Features"].Type).Size, "known size after a reload");
        CollectionAssert.AreEqual(transformed.GetColumn<float>("Score").ToArray(), reloaded.GetColumn<float>("Score").ToArray());
    }

    [TestMethod]
    public void FeatureSizes_PickTheSmallestThatFits()
    {
        Assert.AreEqual(16, RecurrentFeatureSizes.For(1));
        Assert.AreEqual(128, RecurrentFeatureSizes.For(128));
        Assert.AreEqual(256, RecurrentFeatureSizes.For(129));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => RecurrentFeatureSizes.For(2000));
    }
}
