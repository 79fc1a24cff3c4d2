using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent.PluginTests;

/// <summary>A key-vector token column: training and prediction see exactly the same tokens, whatever characters they hold.</summary>
[TestClass]
public sealed class KeyVectorTokenTests
{
    public sealed class Row
    {
        [VectorType]
        public string[] Words { get; set; } = [];

        public bool Label { get; set; }

        public string Topic { get; set; } = "";
    }

    // Tokens holding U+001F (the separator tokens were once joined by during training) and U+001B; each class has its own.
    private static List<Row> Rows(int count)
    {
        string[] good = ["good\u001Fyes", "fine\u001F\u001Fok", "nice\u001B\u001Fyes"], bad = ["bad\u001Fno", "poor\u001Fno", "\u001Bugly\u001Fno"];
        var rng = new Random(3);
        return Enumerable.Range(0, count).Select(i =>
        {
            bool positive = i % 2 == 0;
            var words = positive ? good : bad;
            return new Row { Words = [words[rng.Next(3)], words[rng.Next(3)]], Label = positive, Topic = positive ? "up" : "down" };
        }).ToList();
    }

    [TestMethod]
    public void BinaryFit_TokensContainingTheOldSeparator_PredictTheirOwnTrainingRows()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Rows(80));
        var model = ml.Transforms.Conversion.MapValueToKey("Tokens", "Words")
            .Append(ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options
            {
                TextColumnName = "Tokens", Epochs = 15, HiddenSize = 8, EmbeddingSize = 8, Seed = 1, ValidationFraction = 0,
            }))
            .Fit(data);
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(data));
        Assert.IsGreaterThanOrEqualTo(0.95, metrics.Accuracy, "accuracy on the training rows");
    }

    [TestMethod]
    public void MulticlassFit_TokensContainingTheOldSeparator_PredictTheirOwnTrainingRows()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Rows(80));
        var model = ml.Transforms.Conversion.MapValueToKey("Tokens", "Words")
            .Append(ml.Transforms.Conversion.MapValueToKey("Label", "Topic"))
            .Append(ml.MulticlassClassification.Trainers.RecurrentTextClassifier(new RecurrentTextMulticlassTrainer.Options
            {
                TextColumnName = "Tokens", Epochs = 15, HiddenSize = 8, EmbeddingSize = 8, Seed = 1, ValidationFraction = 0,
            }))
            .Fit(data);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(data));
        Assert.IsGreaterThanOrEqualTo(0.95, metrics.MicroAccuracy, "accuracy on the training rows");
    }
}
