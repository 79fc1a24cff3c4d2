using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent.PluginTests;

/// <summary>
/// Compatibility of saved ML.NET models: one <c>.zip</c> per task, saved once by the plugin of 2026-12-01 (before the
/// plugin's API was reshaped) and committed, must load with plain <c>mlContext.Model.Load</c> and predict exactly what
/// was recorded when it was written, in every later build. Never regenerate them to make a failing test pass: a failure
/// means users' saved models no longer load or no longer predict the same.
/// </summary>
[TestClass]
public sealed class GoldenZipTests
{
    private const string GoldenDirVariable = "RECURRENT_WRITE_GOLDEN_ZIP_DIR";

    private static string GoldenDir => Path.Combine(AppContext.BaseDirectory, "TestData", "golden");

    public sealed class TextRow
    {
        public string Text { get; set; } = "";

        public bool Label { get; set; }

        public string Topic { get; set; } = "";
    }

    private static readonly TextRow[] _texts =
    [
        new() { Text = "the food was wonderful and friendly", Topic = "food" },
        new() { Text = "terrible rude service", Topic = "sport" },
        new() { Text = "football match in the rain", Topic = "weather" },
        new() { Text = "zebra quantum xylophone", Topic = "food" },
        new() { Text = "", Topic = "food" },
    ];

    private static readonly RecurrentSequenceTaggingEstimatorTests.Sentence[] _sentences =
    [
        new() { Tokens = ["the", "old", "dog", "runs"], Label = ["DET", "ADJ", "NOUN", "VERB"] },
        new() { Tokens = ["a", "plan", "plans", "every", "run"], Label = ["DET", "NOUN", "VERB", "DET", "NOUN"] },
        new() { Tokens = ["unknown"], Label = ["NOUN"] },
    ];

    /// <summary>Each saved task: how it is trained (only when the files are written), the rows it is scored on, and the columns recorded.</summary>
    private static (Func<MLContext, ITransformer> Train, Func<MLContext, IDataView> Input, string[] Columns) Case(string name) => name switch
    {
        "binary" => (ml => ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options { Epochs = 3, HiddenSize = 8, EmbeddingSize = 8, Seed = 1 })
                .Fit(ml.Data.LoadFromEnumerable(Sentiment(120))),
            ml => ml.Data.LoadFromEnumerable(_texts), ["Score", "Probability", "PredictedLabel"]),
        "multiclass" => (ml => ml.Transforms.Conversion.MapValueToKey("Label", "Topic")
                .Append(ml.MulticlassClassification.Trainers.RecurrentTextClassifier(new RecurrentTextMulticlassTrainer.Options { Epochs = 3, HiddenSize = 8, EmbeddingSize = 8, Seed = 1 }))
                .Fit(ml.Data.LoadFromEnumerable(RecurrentTextMulticlassTrainerTests.Rows(120, 1).Select(r => new TextRow { Text = r.Text, Topic = r.Topic }))),
            ml => ml.Data.LoadFromEnumerable(_texts), ["Score", "PredictedLabel"]),
        "tagger" => (ml => ml.Transforms.Text.RecurrentTagger(new RecurrentSequenceTaggingEstimator.Options { Epochs = 3, HiddenSize = 8, EmbeddingSize = 8, MinTokenCount = 1, Seed = 1, CharacterAwareWords = false })
                .Fit(ml.Data.LoadFromEnumerable(RecurrentSequenceTaggingEstimatorTests.Sentences(120, 1))),
            ml => ml.Data.LoadFromEnumerable(_sentences), ["PredictedTags"]),
        "language-model" => (ml => ml.Transforms.Text.RecurrentLanguageModel(new RecurrentLanguageModelEstimator.Options { Epochs = 3, HiddenSize = 8, EmbeddingSize = 8, Seed = 1 })
                .Fit(ml.Data.LoadFromEnumerable(Enumerable.Range(0, 40).Select(i => new TextRow { Text = i % 2 == 0 ? "hello world" : "hello there" }))),
            ml => ml.Data.LoadFromEnumerable(_texts), ["PredictedToken", "Probability", "NextTokenProbabilities"]),
        "series" => (ml => ml.Regression.Trainers.RecurrentSeriesRegressor(new RecurrentSeriesRegressionTrainer.Options { Epochs = 3, HiddenSize = 8, Seed = 1 })
                .Fit(ml.Data.LoadFromEnumerable(RecurrentSeriesRegressionTrainerTests.Windows(80, 1))),
            ml => ml.Data.LoadFromEnumerable(RecurrentSeriesRegressionTrainerTests.Windows(4, 9)), ["Score"]),
        "featurizer" => (ml => ml.Transforms.Text.RecurrentFeaturizer("Features", new RecurrentLanguageModelEstimator.Options { Epochs = 2, HiddenSize = 8, EmbeddingSize = 4, Seed = 1 })
                .Fit(ml.Data.LoadFromEnumerable(Sentiment(60))),
            ml => ml.Data.LoadFromEnumerable(_texts), ["Features"]),
        "binary-tokens" => (ml => ml.Transforms.Text.TokenizeIntoWords("Words", "Text")
                .Append(ml.Transforms.Conversion.MapValueToKey("Tokens", "Words"))
                .Append(ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options { TextColumnName = "Tokens", Epochs = 3, HiddenSize = 8, EmbeddingSize = 8, Seed = 1 }))
                .Fit(ml.Data.LoadFromEnumerable(Sentiment(120))),
            ml => ml.Data.LoadFromEnumerable(_texts), ["Score", "Probability", "PredictedLabel"]),
        "multiclass-tokens" => (ml => ml.Transforms.Text.TokenizeIntoWords("Words", "Text")
                .Append(ml.Transforms.Conversion.MapValueToKey("Tokens", "Words"))
                .Append(ml.Transforms.Conversion.MapValueToKey("Label", "Topic"))
                .Append(ml.MulticlassClassification.Trainers.RecurrentTextClassifier(new RecurrentTextMulticlassTrainer.Options { TextColumnName = "Tokens", Epochs = 3, HiddenSize = 8, EmbeddingSize = 8, Seed = 1 }))
                .Fit(ml.Data.LoadFromEnumerable(RecurrentTextMulticlassTrainerTests.Rows(120, 1).Select(r => new TextRow { Text = r.Text, Topic = r.Topic }))),
            ml => ml.Data.LoadFromEnumerable(_texts), ["Score", "PredictedLabel"]),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown golden case"),
    };

    private static IEnumerable<TextRow> Sentiment(int count) =>
        RecurrentTextBinaryTrainerTests.Sentences(count, 1).Select(r => new TextRow { Text = r.Text, Label = r.Label });

    [TestMethod]
    [DataRow("binary")]
    [DataRow("multiclass")]
    [DataRow("tagger")]
    [DataRow("language-model")]
    [DataRow("series")]
    [DataRow("featurizer")]
    [DataRow("binary-tokens")]
    [DataRow("multiclass-tokens")]
    public void Load_GoldenZip_PredictsExactlyAsRecorded(string name)
    {
        var ml = new MLContext(1);
        var (_, input, columns) = Case(name);
        var loaded = ml.Model.Load(Path.Combine(GoldenDir, name + "-v1.zip"), out _);
        string[] expected = File.ReadAllLines(Path.Combine(GoldenDir, name + "-v1.expected.txt"));
        string[] actual = Dump(loaded.Transform(input(ml)), columns);
        CollectionAssert.AreEqual(expected, actual, $"{name}: predictions of the golden .zip\nexpected:\n{string.Join('\n', expected)}\nactual:\n{string.Join('\n', actual)}");
    }

    /// <summary>Writes the golden files: run once, by hand, with <c>RECURRENT_WRITE_GOLDEN_ZIP_DIR</c> set.</summary>
    [TestMethod]
    public void WriteGoldenZips_WhenAskedTo()
    {
        string? dir = Environment.GetEnvironmentVariable(GoldenDirVariable);
        if (string.IsNullOrEmpty(dir))
        {
            Assert.Inconclusive($"Writes the golden .zip files only when {GoldenDirVariable} is set.");
        }
        Directory.CreateDirectory(dir);
        foreach (string name in new[] { "binary", "multiclass", "tagger", "language-model", "series", "featurizer", "binary-tokens", "multiclass-tokens" })
        {
            var ml = new MLContext(1);
            var (train, input, columns) = Case(name);
            var model = train(ml);
            var data = input(ml);
            string path = Path.Combine(dir, name + "-v1.zip");
            ml.Model.Save(model, data.Schema, path);
            // Recorded from the saved file, so the expectation is what a loading app sees.
            var loaded = ml.Model.Load(path, out _);
            string[] recorded = Dump(loaded.Transform(data), columns);
            CollectionAssert.AreEqual(Dump(model.Transform(data), columns), recorded, $"{name}: the trained and the saved model agree");
            File.WriteAllLines(Path.Combine(dir, name + "-v1.expected.txt"), recorded);
        }
    }

    /// <summary>One line per row and column: "column row value[ value...]", floats as round-trip text.</summary>
    private static string[] Dump(IDataView data, string[] columns)
    {
        var lines = new List<string>();
        foreach (string column in columns)
        {
            var type = data.Schema[column].Type;
            IEnumerable<string> values = type switch
            {
                NumberDataViewType t when t.RawType == typeof(float) => data.GetColumn<float>(column).Select(Format),
                BooleanDataViewType => data.GetColumn<bool>(column).Select(b => b ? "true" : "false"),
                TextDataViewType => data.GetColumn<ReadOnlyMemory<char>>(column).Select(t => t.ToString()),
                KeyDataViewType => data.GetColumn<uint>(column).Select(k => k.ToString(CultureInfo.InvariantCulture)),
                VectorDataViewType { ItemType: NumberDataViewType n } when n.RawType == typeof(float) =>
                    data.GetColumn<float[]>(column).Select(v => string.Join(' ', v.Select(Format))),
                VectorDataViewType { ItemType: TextDataViewType } =>
                    data.GetColumn<ReadOnlyMemory<char>[]>(column).Select(v => string.Join(' ', v.Select(t => t.ToString()))),
                _ => throw new AssertFailedException($"column {column} has a type the golden test does not record: {type}"),
            };
            lines.AddRange(values.Select((v, row) => $"{column} {row} {v}"));
        }
        return [.. lines];
    }

    private static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
