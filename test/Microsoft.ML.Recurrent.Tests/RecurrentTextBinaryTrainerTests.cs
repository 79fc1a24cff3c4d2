using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent.PluginTests;

[TestClass]
public sealed class RecurrentTextBinaryTrainerTests
{
    public TestContext TestContext { get; set; } = null!;

    public sealed class Row
    {
        public string Text { get; set; } = "";

        public bool Label { get; set; }
    }

    public sealed class Prediction
    {
        public bool PredictedLabel { get; set; }

        public float Probability { get; set; }

        public float Score { get; set; }
    }

    internal static List<Row> Sentences(int count, int seed)
    {
        string[] good = ["great", "wonderful", "tasty", "friendly", "excellent", "loved"];
        string[] bad = ["awful", "rude", "cold", "terrible", "bland", "hated"];
        string[] nouns = ["food", "service", "staff", "place", "pizza", "coffee"];
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            bool positive = rng.Next(2) == 1;
            string[] w = positive ? good : bad;
            return new Row { Text = $"the {nouns[rng.Next(6)]} was {w[rng.Next(6)]} and {w[rng.Next(6)]}", Label = positive };
        }).ToList();
    }

    // Eight epochs at most: with the default dropout and a tenth held out, four were not enough for this data.
    private static RecurrentTextBinaryTrainer.Options Small => new() { Epochs = 8, HiddenSize = 16, EmbeddingSize = 16, Seed = 1 };

    [TestMethod]
    public void Pipeline_TextToRecurrentClassifierToEvaluator_LearnsAndEvaluates()
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromEnumerable(Sentences(200, 1));
        var test = ml.Data.LoadFromEnumerable(Sentences(100, 2));
        var model = ml.BinaryClassification.Trainers.RecurrentTextClassifier(Small).Fit(train);
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(test));
        Assert.IsTrue(metrics.Accuracy > 0.95, $"accuracy {metrics.Accuracy}");
        Assert.IsTrue(metrics.AreaUnderRocCurve > 0.95, $"AUC {metrics.AreaUnderRocCurve}");
        Assert.IsTrue(model.TrainingResult.History.Count is > 0 and <= 8, $"{model.TrainingResult.History.Count} epochs");
        Assert.IsTrue(model.TrainingResult.History.All(e => e.Validation is { Count: 20 }), "every epoch validated on the held-out tenth of 200 rows");
    }

    [TestMethod]
    public void GetOutputSchema_AgreesWithTheTransformedData()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Sentences(40, 3));
        var estimator = ml.BinaryClassification.Trainers.RecurrentTextClassifier(Small);
        var shape = estimator.GetOutputSchema(Shape(data.Schema));
        var schema = estimator.Fit(data).Transform(data).Schema;
        CollectionAssert.AreEqual(shape.Select(c => c.Name).ToArray(), schema.Select(c => c.Name).ToArray(), "column names and order");
        foreach (var column in schema)
        {
            var s = shape.First(c => c.Name == column.Name);
            Assert.AreEqual(column.Type.RawType, s.ItemType.RawType, $"type of {column.Name}");
        }
        CollectionAssert.IsSubsetOf(new[] { "Score", "Probability", "PredictedLabel" }, schema.Select(c => c.Name).ToArray());
        Assert.IsFalse(schema.Any(c => c.Name.StartsWith("__Recurrent", StringComparison.Ordinal)), "helper columns are dropped");
    }

    [TestMethod]
    public void Fit_BadInput_ThrowsNamingColumnFoundAndExpected()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Sentences(20, 4));
        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options { TextColumnName = "Review" }).Fit(data));
        StringAssert.Contains(missing.Message, "Column 'Review' was not found");
        var wrongType = ml.Data.LoadFromEnumerable(new[] { new { Text = "good", Label = 1f } });
        var typeError = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.RecurrentTextClassifier(Small).Fit(wrongType));
        StringAssert.Contains(typeError.Message, "Column 'Label' has type Single; expected Boolean");
        var schemaError = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options { TextColumnName = "Label" })
                .GetOutputSchema(Shape(wrongType.Schema)));
        StringAssert.Contains(schemaError.Message, "Column 'Label' has type");
        StringAssert.Contains(schemaError.Message, "expected text (string)");
        var empty = ml.Data.LoadFromEnumerable(new List<Row>());
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.BinaryClassification.Trainers.RecurrentTextClassifier(Small).Fit(empty)).Message, "empty");
        var oneClass = ml.Data.LoadFromEnumerable(Sentences(20, 5).Select(r => new Row { Text = r.Text, Label = true }));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.BinaryClassification.Trainers.RecurrentTextClassifier(Small).Fit(oneClass)).Message, "only one class");
    }

    [TestMethod]
    public void SaveThenLoadInASecondProcess_GivesIdenticalPredictions()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Sentences(120, 6));
        var model = ml.BinaryClassification.Trainers.RecurrentTextClassifier(Small).Fit(data);
        string dir = Path.Combine(Path.GetTempPath(), $"recurrent-plugin-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string modelPath = Path.Combine(dir, "model.zip"), inputPath = Path.Combine(dir, "input.txt");
            ml.Model.Save(model, data.Schema, modelPath);
            var sentences = Sentences(30, 7).Select(r => r.Text).Append("").Append("completely unknown words here").ToList();
            File.WriteAllLines(inputPath, sentences);

            var engine = ml.Model.CreatePredictionEngine<Row, Prediction>(model);
            var expected = sentences.Select(s => engine.Predict(new Row { Text = s })).ToList();

            // In-process reload too.
            var reloaded = ml.Model.Load(modelPath, out _);
            var reloadedEngine = ml.Model.CreatePredictionEngine<Row, Prediction>(reloaded);
            for (int i = 0; i < sentences.Count; i++)
            {
                Assert.AreEqual(expected[i].Score, reloadedEngine.Predict(new Row { Text = sentences[i] }).Score, $"reloaded score of '{sentences[i]}'");
            }

            string consumer = ConsumerPath();
            var start = new ProcessStartInfo("dotnet", [consumer, "--model", modelPath, "--input", inputPath])
            {
                RedirectStandardOutput = true, RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            string stdout = process.StandardOutput.ReadToEnd();
            string stderr = process.StandardError.ReadToEnd();
            Assert.IsTrue(process.WaitForExit(120_000), "the consumer process finished");
            Assert.AreEqual(0, process.ExitCode, $"consumer failed: {stderr}");
            var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.AreEqual(sentences.Count, lines.Length, stdout);
            for (int i = 0; i < sentences.Count; i++)
            {
                string[] parts = lines[i].Split('\t');
                Assert.AreEqual(expected[i].PredictedLabel, bool.Parse(parts[0]), $"label of '{sentences[i]}'");
                Assert.AreEqual(expected[i].Probability, float.Parse(parts[1], CultureInfo.InvariantCulture), $"probability of '{sentences[i]}'");
                Assert.AreEqual(expected[i].Score, float.Parse(parts[2], CultureInfo.InvariantCulture), $"score of '{sentences[i]}'");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void ConcurrentPredictionEnginesAndTransform_MatchSequentialPredictions()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Sentences(100, 8));
        var model = ml.BinaryClassification.Trainers.RecurrentTextClassifier(Small).Fit(data);
        var rows = Sentences(200, 9);
        var single = ml.Model.CreatePredictionEngine<Row, Prediction>(model);
        float[] expected = rows.Select(r => single.Predict(r).Score).ToArray();
        var results = new float[8][];
        Parallel.For(0, 8, t =>
        {
            var engine = ml.Model.CreatePredictionEngine<Row, Prediction>(model);
            results[t] = rows.Select(r => engine.Predict(r).Score).ToArray();
        });
        foreach (var r in results)
        {
            CollectionAssert.AreEqual(expected, r);
        }
        float[] transformed = model.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<float>("Score").ToArray();
        CollectionAssert.AreEqual(expected, transformed);
    }

    [TestMethod]
    [TestCategory("Slow")]
    public void RealData_YelpToImdb_BeatsChance()
    {
        string? yelp = FindData("uci-sentiment-sentences/yelp_labelled.txt"), imdb = FindData("uci-sentiment-sentences/imdb_labelled.txt");
        if (yelp is null || imdb is null)
        {
            Assert.Inconclusive("Skipped: ../shared/data/uci-sentiment-sentences is not beside the repository (or RECURRENT_DATA_DIR).");
        }
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromTextFile<FileRow>(yelp, separatorChar: '\t', hasHeader: false, allowQuoting: false);
        var test = ml.Data.LoadFromTextFile<FileRow>(imdb, separatorChar: '\t', hasHeader: false, allowQuoting: false);
        var model = ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options { HiddenSize = 32, EmbeddingSize = 32, Seed = 1 }).Fit(train);
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(test));
        TestContext.WriteLine($"yelp -> imdb through ML.NET: accuracy {metrics.Accuracy:F3}, AUC {metrics.AreaUnderRocCurve:F3}");
        Assert.IsTrue(metrics.Accuracy > 0.6, $"accuracy {metrics.Accuracy}");
    }

    public sealed class FileRow
    {
        [LoadColumn(0)]
        public string Text { get; set; } = "";

        [LoadColumn(1)]
        public bool Label { get; set; }
    }

    private static string? FindData(string relative)
    {
        string? env = Environment.GetEnvironmentVariable("RECURRENT_DATA_DIR");
        if (!string.IsNullOrWhiteSpace(env))
        {
            string p = Path.Combine(env, relative);
            return File.Exists(p) ? p : null;
        }
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string p = Path.Combine(d.FullName, "shared", "data", relative);
            if (File.Exists(p))
            {
                return p;
            }
        }
        return null;
    }

    // SchemaShape.Create is internal to ML.NET; pipelines call it when they validate. Tests reach it by reflection.
    private static SchemaShape Shape(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic)!
            .Invoke(null, [schema])!;

    // The ModelConsumer example, built beside this test project (bin/<Configuration>/<tfm>).
    private static string ConsumerPath()
    {
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = bin.Name, configuration = bin.Parent!.Name;
        string repo = bin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        string path = Path.Combine(repo, "examples", "ModelConsumer", "bin", configuration, tfm, "ModelConsumer.dll");
        Assert.IsTrue(File.Exists(path), $"ModelConsumer was not built at {path}");
        return path;
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void CharacterAwareWords_TrainsSavesAndReloadsExactly_AndReadsUnseenWords(bool keyTokens)
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Sentences(200, 1));
        var options = new RecurrentTextBinaryTrainer.Options { Epochs = 8, HiddenSize = 16, EmbeddingSize = 16, Seed = 1 };
        options.CharacterAwareWords = true;
        options.CharacterEmbeddingSize = 8;
        options.CharacterFilters = 8;
        IEstimator<ITransformer> pipeline = ml.BinaryClassification.Trainers.RecurrentTextClassifier(options);
        if (keyTokens)
        {
            options.TextColumnName = "Tokens";
            pipeline = ml.Transforms.Text.TokenizeIntoWords("Words", "Text").Append(ml.Transforms.Conversion.MapValueToKey("Tokens", "Words")).Append(pipeline);
        }
        var model = pipeline.Fit(data);
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(ml.Data.LoadFromEnumerable(Sentences(100, 2))));
        Assert.IsTrue(metrics.Accuracy > 0.95, $"accuracy {metrics.Accuracy}");

        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out _);
        CollectionAssert.AreEqual(model.Transform(data).GetColumn<float>("Score").ToArray(), loaded.Transform(data).GetColumn<float>("Score").ToArray());
        // Two words the vocabulary never saw (both UNK) score differently: their characters differ. (A key-vector column
        // cannot carry them: MapValueToKey has already made both missing keys, with no characters left.)
        var engine = ml.Model.CreatePredictionEngine<Row, Prediction>(loaded);
        float first = engine.Predict(new Row { Text = "the food was greatness" }).Score;
        float second = engine.Predict(new Row { Text = "the food was awfulness" }).Score;
        Assert.AreEqual(keyTokens, first == second);
    }

    [TestMethod]
    public void WideNgrams_TrainsSavesAndReloadsExactly_AndAttributesEveryToken()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Sentences(200, 1));
        var options = Small;
        options.WideNgrams = true;
        options.NgramEnsemble = false;
        options.OutputAttributions = true;
        options.EnsembleSize = 1; // the Core explainer's values are one model's
        var model = ml.BinaryClassification.Trainers.RecurrentTextClassifier(options).Fit(data);
        var o = model.Model.Model.Options;
        Assert.AreEqual(1 << 10, o.NgramBuckets, "8 buckets for each of the sentences' 69 distinct n-grams is below 2^10, the floor");
        Assert.AreEqual(2, o.NgramMaxLength);
        var test = ml.Data.LoadFromEnumerable(Sentences(100, 2));
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(test));
        Assert.IsTrue(metrics.Accuracy > 0.95, $"accuracy {metrics.Accuracy}");

        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out _);
        CollectionAssert.AreEqual(model.Transform(test).GetColumn<float>("Score").ToArray(), loaded.Transform(test).GetColumn<float>("Score").ToArray());
        var values = loaded.Transform(test).GetColumn<float[]>("Attributions").First();
        var explained = new Microsoft.ML.Recurrent.Explainability.IntegratedGradients(model.Model.Model)
            .Explain(model.Model.Sequencer!, Sentences(100, 2)[0].Text, targetClass: 1);
        CollectionAssert.AreEqual(explained.Values.ToArray(), values, "the Core explainer's values, n-gram part included");
        Assert.AreEqual(0, explained.CompletenessError, 0.05 * Math.Max(1, Math.Abs(explained.Score - explained.BaselineScore)));
    }

    [TestMethod]
    public void WideNgrams_WithAPretrainedLanguageModel_ThrowsNamingBoth()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Sentences(40, 1));
        var languageModel = ml.Transforms.Text.RecurrentLanguageModel(new RecurrentLanguageModelEstimator.Options { Epochs = 1, HiddenSize = 8, Seed = 1 }).Fit(data);
        var options = Small;
        options.WideNgrams = true;
        options.PretrainedLanguageModel = languageModel;
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.BinaryClassification.Trainers.RecurrentTextClassifier(options).Fit(data));
        StringAssert.Contains(e.Message, "WideNgrams");
        StringAssert.Contains(e.Message, "PretrainedLanguageModel");
    }
}

[TestClass]
public sealed class RecurrentTokenKeyClassifierTests
{
    public sealed class Row
    {
        public string Text { get; set; } = "";

        public bool Label { get; set; }
    }

    public sealed class Prediction
    {
        public bool PredictedLabel { get; set; }

        public float Score { get; set; }
    }

    [TestMethod]
    public void KeyVectorInput_FromTokenizeIntoWordsAndMapValueToKey_TrainsEvaluatesAndReloads()
    {
        var ml = new MLContext(1);
        var rng = new Random(3);
        string[] good = ["great", "tasty", "friendly"], bad = ["awful", "rude", "cold"];
        var rows = Enumerable.Range(0, 200).Select(_ =>
        {
            bool positive = rng.Next(2) == 1;
            var w = positive ? good : bad;
            return new Row { Text = $"the food was {w[rng.Next(3)]} and {w[rng.Next(3)]}", Label = positive };
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.Text.TokenizeIntoWords("Words", "Text")
            .Append(ml.Transforms.Conversion.MapValueToKey("Tokens", "Words"))
            .Append(ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options
            {
                TextColumnName = "Tokens", Epochs = 8, HiddenSize = 16, EmbeddingSize = 16, Seed = 1,
            }));
        var model = pipeline.Fit(data);
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(data));
        Assert.IsTrue(metrics.Accuracy > 0.95, $"accuracy {metrics.Accuracy}");

        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out _);
        CollectionAssert.AreEqual(model.Transform(data).GetColumn<float>("Score").ToArray(), loaded.Transform(data).GetColumn<float>("Score").ToArray());
        var engine = ml.Model.CreatePredictionEngine<Row, Prediction>(loaded);
        Assert.IsTrue(engine.Predict(new Row { Text = "the food was great" }).PredictedLabel);
        Assert.IsFalse(engine.Predict(new Row { Text = "the food was awful" }).PredictedLabel);
    }
}
