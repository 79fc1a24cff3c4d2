namespace Microsoft.ML.Recurrent.PluginTests;

/// <summary>Errors about the user's data name the user's columns and say what is wrong, never the plugin's helper columns.</summary>
[TestClass]
public sealed class InputMessageTests
{
    public sealed class TopicRow
    {
        public string Text { get; set; } = "";

        public string Topic { get; set; } = "";
    }

    public sealed class NumberRow
    {
        public float Text { get; set; }
    }

    [TestMethod]
    public void MulticlassFit_ZeroRows_SaysTheDataIsEmpty()
    {
        var ml = new MLContext(1);
        var empty = ml.Data.LoadFromEnumerable(new List<TopicRow>());
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "Topic")
            .Append(ml.MulticlassClassification.Trainers.RecurrentTextClassifier(new RecurrentTextMulticlassTrainer.Options { Epochs = 1 }));
        var e = Assert.Throws<ArgumentException>(() => pipeline.Fit(empty));
        StringAssert.Contains(e.Message, "empty", $"message: {e.Message}");
        Assert.DoesNotContain("has 1 classes", e.Message);
    }

    [DataRow("binary")]
    [DataRow("multiclass")]
    [DataRow("language-model")]
    [DataRow("featurizer")]
    [TestMethod]
    public void Transform_TextColumnOfAnotherType_NamesTheUsersColumnAndType(string task)
    {
        var ml = new MLContext(1);
        var texts = RecurrentTextBinaryTrainerTests.Sentences(40, 1);
        var topics = ml.Data.LoadFromEnumerable(texts.Select((r, i) => new TopicRow { Text = r.Text, Topic = i % 2 == 0 ? "a" : "b" }));
        ITransformer model = task switch
        {
            "binary" => ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options { Epochs = 1, HiddenSize = 4, EmbeddingSize = 4 })
                .Fit(ml.Data.LoadFromEnumerable(texts)),
            "multiclass" => ml.MulticlassClassification.Trainers.RecurrentTextClassifier(new RecurrentTextMulticlassTrainer.Options { Epochs = 1, HiddenSize = 4, EmbeddingSize = 4 })
                .Fit(ml.Transforms.Conversion.MapValueToKey("Label", "Topic").Fit(topics).Transform(topics)),
            "language-model" => ml.Transforms.Text.RecurrentLanguageModel(new RecurrentLanguageModelEstimator.Options { Epochs = 1, HiddenSize = 4, EmbeddingSize = 4 })
                .Fit(topics),
            _ => ml.Transforms.Text.RecurrentFeaturizer("Features", new RecurrentLanguageModelEstimator.Options { Epochs = 1, HiddenSize = 4, EmbeddingSize = 4 })
                .Fit(topics),
        };
        var numbers = ml.Data.LoadFromEnumerable(new[] { new NumberRow { Text = 1 } });
        var e = Assert.Throws<ArgumentException>(() => model.Transform(numbers).Preview());
        StringAssert.Contains(e.Message, "'Text'", $"message: {e.Message}");
        StringAssert.Contains(e.Message, "Single", $"message: {e.Message}");
        StringAssert.Contains(e.Message, "text", $"message: {e.Message}");
        Assert.DoesNotContain("__Recurrent", e.Message);
    }
}
