using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.PluginTests;

[TestClass]
public sealed class RecurrentSequenceToSequenceEstimatorTests
{
    public sealed class Pair
    {
        public string Text { get; set; } = "";

        public string Label { get; set; } = "";
    }

    public sealed class Spelled
    {
        public string PredictedText { get; set; } = "";

        [VectorType]
        public float[] Attention { get; set; } = [];
    }

    // A word of 1..4 letters from "abc" and its reversal, with spaces between the reversed letters (word tokens).
    internal static List<Pair> Reversals(int count, int seed, bool spaced)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            string word = string.Concat(Enumerable.Range(0, 1 + rng.Next(4)).Select(_ => "abc"[rng.Next(3)]));
            string reversed = new(word.Reverse().ToArray());
            return new Pair { Text = word, Label = spaced ? string.Join(' ', reversed.ToCharArray()) : reversed };
        })];
    }

    [TestMethod]
    public void Fit_Reversal_PredictsAndSavedZipReloadsWithIdenticalTextAndAttention()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Reversals(300, 1, spaced: true));
        var estimator = ml.Transforms.Text.RecurrentSequenceToSequence(new RecurrentSequenceToSequenceEstimator.Options
        {
            TargetTokens = TokenizerKind.Word, HiddenSize = 32, EmbeddingSize = 16, Epochs = 30, BatchSize = 16, LearningRate = 0.02,
            AttentionColumnName = "Attention", Seed = 1,
        });
        var model = estimator.Fit(data);
        var test = ml.Data.LoadFromEnumerable(new[] { new Pair { Text = "abca" }, new Pair { Text = "cab" }, new Pair { Text = "b" } });
        var predicted = ml.Data.CreateEnumerable<Spelled>(model.Transform(test), reuseRowObject: false).ToList();
        CollectionAssert.AreEqual(new[] { "a c b a", "b a c", "b" }, predicted.Select(p => p.PredictedText).ToArray());
        Assert.HasCount((4 + 1) * 4, predicted[0].Attention);

        string path = Path.Combine(Path.GetTempPath(), $"s2s-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, data.Schema, path);
            var loaded = new MLContext().Model.Load(path, out _);
            var again = new MLContext().Data.CreateEnumerable<Spelled>(loaded.Transform(test), reuseRowObject: false).ToList();
            for (int i = 0; i < predicted.Count; i++)
            {
                Assert.AreEqual(predicted[i].PredictedText, again[i].PredictedText);
                CollectionAssert.AreEqual(predicted[i].Attention, again[i].Attention);
            }
            var engine = new MLContext().Model.CreatePredictionEngine<Pair, Spelled>(loaded);
            Assert.AreEqual("a c b a", engine.Predict(new Pair { Text = "abca" }).PredictedText);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void SavedZip_LoadedInAnotherProcess_PredictsIdenticalTextAndAttention()
    {
        // examples/ModelConsumer knows only ML.NET and the plugin (no registration call); it prints text and attention.
        var ml = new MLContext(2);
        var data = ml.Data.LoadFromEnumerable(Reversals(200, 4, spaced: true));
        var model = ml.Transforms.Text.RecurrentSequenceToSequence(new RecurrentSequenceToSequenceEstimator.Options
        {
            TargetTokens = TokenizerKind.Word, HiddenSize = 16, EmbeddingSize = 8, Epochs = 3, BatchSize = 16, BeamWidth = 3,
            AttentionColumnName = "Attention", Seed = 2,
        }).Fit(data);
        string[] words = ["abca", "cab", "b", "ccba", "a"];
        var predicted = ml.Data.CreateEnumerable<Spelled>(model.Transform(ml.Data.LoadFromEnumerable(words.Select(w => new Pair { Text = w }))), reuseRowObject: false).ToList();
        string dir = Path.Combine(Path.GetTempPath(), $"s2s-child-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string zip = Path.Combine(dir, "model.zip"), input = Path.Combine(dir, "words.txt");
            ml.Model.Save(model, data.Schema, zip);
            File.WriteAllLines(input, words);
            var (exitCode, output, error) = ExampleProcess.Run("ModelConsumer", dir, "--model", zip, "--input", input);
            Assert.AreEqual(0, exitCode, error);
            string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
            Assert.HasCount(words.Length, lines, output);
            for (int i = 0; i < words.Length; i++)
            {
                string[] fields = lines[i].Split('\t');
                Assert.AreEqual(predicted[i].PredictedText, fields[0], $"text of {words[i]}");
                float[] attention = [.. fields[1].Split(',').Select(f => float.Parse(f, System.Globalization.CultureInfo.InvariantCulture))];
                CollectionAssert.AreEqual(predicted[i].Attention, attention, $"attention of {words[i]}");
                Assert.AreEqual(words[i], fields[2]);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void Fit_SimpleOverload_AddsOnlyThePredictedTextColumn()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Reversals(40, 2, spaced: false));
        var model = ml.Transforms.Text.RecurrentSequenceToSequence(epochs: 1).Fit(data);
        var schema = model.GetOutputSchema(data.Schema);
        CollectionAssert.AreEqual(new[] { "Text", "Label", "PredictedText" }, schema.Select(c => c.Name).ToArray());
        Assert.AreEqual(TextDataViewType.Instance, schema["PredictedText"].Type);
    }

    [TestMethod]
    public void Fit_MissingOrNonTextColumn_ThrowsNamingIt()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Reversals(10, 3, spaced: false));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.Text.RecurrentSequenceToSequence(inputColumnName: "Word").Fit(data));
        StringAssert.Contains(e.Message, "Word");
    }
}
