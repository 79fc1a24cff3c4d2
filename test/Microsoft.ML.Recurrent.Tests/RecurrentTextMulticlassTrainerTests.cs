using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent.PluginTests;

[TestClass]
public sealed class RecurrentTextMulticlassTrainerTests
{
    public sealed class Row
    {
        public string Text { get; set; } = "";

        public string Topic { get; set; } = "";
    }

    public sealed class Prediction
    {
        public float[] Score { get; set; } = [];

        public string PredictedTopic { get; set; } = "";
    }

    internal static List<Row> Rows(int count, int seed)
    {
        var topics = new Dictionary<string, string[]>
        {
            ["food"] = ["pizza", "pasta", "soup", "bread"],
            ["sport"] = ["football", "tennis", "match", "goal"],
            ["weather"] = ["rain", "sunny", "storm", "snow"],
        };
        string[] filler = ["the", "was", "today", "really", "quite"];
        var rng = new Random(seed);
        var names = topics.Keys.ToArray();
        return Enumerable.Range(0, count).Select(_ =>
        {
            string topic = names[rng.Next(3)];
            var words = Enumerable.Range(0, rng.Next(3, 7)).Select(i => i % 2 == 0 ? filler[rng.Next(5)] : topics[topic][rng.Next(4)]);
            return new Row { Text = string.Join(' ', words) + " " + topics[topic][rng.Next(4)], Topic = topic };
        }).ToList();
    }

    [TestMethod]
    public void Pipeline_KeyLabel_MulticlassEvaluate_AndPredictedNames_SurviveSaveLoad()
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromEnumerable(Rows(240, 1));
        var test = ml.Data.LoadFromEnumerable(Rows(90, 2));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "Topic")
            .Append(ml.MulticlassClassification.Trainers.RecurrentTextClassifier(new RecurrentTextMulticlassTrainer.Options { Epochs = 5, HiddenSize = 16, EmbeddingSize = 16, Seed = 1 }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedTopic", "PredictedLabel"));
        var model = pipeline.Fit(train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Assert.IsTrue(metrics.MicroAccuracy > 0.9, $"micro accuracy {metrics.MicroAccuracy}");
        var scoreType = (VectorDataViewType)model.Transform(test).Schema["Score"].Type;
        Assert.AreEqual(3, scoreType.Size, "Score has a known size: the number of classes");

        using var stream = new MemoryStream();
        ml.Model.Save(model, train.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out _);
        var reloadedMetrics = ml.MulticlassClassification.Evaluate(loaded.Transform(test));
        Assert.AreEqual(metrics.MicroAccuracy, reloadedMetrics.MicroAccuracy, "the stock evaluator works the same after a reload");
        Assert.AreEqual(3, ((VectorDataViewType)loaded.Transform(test).Schema["Score"].Type).Size);

        var engine = ml.Model.CreatePredictionEngine<Row, Prediction>(loaded);
        var p = engine.Predict(new Row { Text = "the football match was really good" });
        Assert.AreEqual("sport", p.PredictedTopic);
        Assert.AreEqual(1f, p.Score.Sum(), 1e-5f, "probabilities");
    }

    [TestMethod]
    public void ValidationOptions_AreHonoured_AndAMismatchedValidationKeyIsNamed()
    {
        var ml = new MLContext(1);
        var toKey = ml.Transforms.Conversion.MapValueToKey("Label", "Topic").Fit(ml.Data.LoadFromEnumerable(Rows(120, 1)));
        var train = toKey.Transform(ml.Data.LoadFromEnumerable(Rows(120, 1)));
        var options = new RecurrentTextMulticlassTrainer.Options { Epochs = 4, HiddenSize = 16, EmbeddingSize = 16, Seed = 1, ValidationFraction = 0.25 };
        var split = ml.MulticlassClassification.Trainers.RecurrentTextClassifier(options).Fit(train);
        Assert.IsTrue(split.TrainingResult.History.All(e => e.Validation is { Count: 30 }), "a quarter of 120 rows validates every epoch");

        options.ValidationFraction = 0;
        options.ValidationSet = toKey.Transform(ml.Data.LoadFromEnumerable(Rows(40, 2)));
        var given = ml.MulticlassClassification.Trainers.RecurrentTextClassifier(options).Fit(train);
        Assert.IsTrue(given.TrainingResult.History.All(e => e.Validation is { Count: 40 }), "the validation set validates every epoch");

        // A label mapped by another MapValueToKey has other classes (or another order): refused, naming both.
        var twoTopics = ml.Data.LoadFromEnumerable(Rows(40, 2).Where(r => r.Topic != "weather").ToList());
        options.ValidationSet = ml.Transforms.Conversion.MapValueToKey("Label", "Topic").Fit(twoTopics).Transform(twoTopics);
        var error = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.RecurrentTextClassifier(options).Fit(train));
        StringAssert.Contains(error.Message, "same key order");
    }

    [TestMethod]
    public void KeyVectorTokens_TrainEvaluateAndReload()
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromEnumerable(Rows(240, 4));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "Topic")
            .Append(ml.Transforms.Text.TokenizeIntoWords("Words", "Text"))
            .Append(ml.Transforms.Conversion.MapValueToKey("Tokens", "Words"))
            .Append(ml.MulticlassClassification.Trainers.RecurrentTextClassifier(new RecurrentTextMulticlassTrainer.Options { TextColumnName = "Tokens", Epochs = 5, HiddenSize = 16, EmbeddingSize = 16, Seed = 1 }));
        var model = pipeline.Fit(train);
        var test = ml.Data.LoadFromEnumerable(Rows(60, 5));
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Assert.IsTrue(metrics.MicroAccuracy > 0.9, $"micro accuracy {metrics.MicroAccuracy}");
        using var stream = new MemoryStream();
        ml.Model.Save(model, train.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out _);
        Assert.AreEqual(metrics.MicroAccuracy, ml.MulticlassClassification.Evaluate(loaded.Transform(test)).MicroAccuracy);
    }

    [TestMethod]
    public void LabelNotAKey_ThrowsNamingColumnAndExpectedType()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Rows(20, 3));
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.MulticlassClassification.Trainers.RecurrentTextClassifier(labelColumnName: "Topic").Fit(data));
        StringAssert.Contains(ex.Message, "Column 'Topic' has type String; expected a key (UInt32) label made with Conversion.MapValueToKey");
    }
}
