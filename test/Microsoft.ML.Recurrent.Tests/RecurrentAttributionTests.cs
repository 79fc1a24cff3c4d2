using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Explainability;

namespace Microsoft.ML.Recurrent.PluginTests;

/// <summary>
/// The opt-in attribution columns of the text classifiers: one value per token read (never for truncated tokens), the
/// Core explainer's values, identical after save and load, and absent unless asked for.
/// </summary>
[TestClass]
public sealed class RecurrentAttributionTests
{
    public sealed class Explained
    {
        public float Score { get; set; }

        public string[] AttributionTokens { get; set; } = [];

        public float[] Attributions { get; set; } = [];
    }

    private static readonly RecurrentTextBinaryTrainerTests.Row[] Inputs =
    [
        new() { Text = "the food was great and friendly" },
        new() { Text = "the staff was rude and cold and the coffee was bland and awful every single day" },
        new() { Text = "" },
    ];

    [TestMethod]
    public void BinaryText_OptedIn_OneValuePerTokenRead_CoreValues_SurvivesSaveAndLoad()
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromEnumerable(RecurrentTextBinaryTrainerTests.Sentences(160, 1));
        var model = ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options
        {
            Epochs = 4, HiddenSize = 8, EmbeddingSize = 8, Seed = 1, MaxSequenceLength = 10, OutputAttributions = true, EnsembleSize = 1,
        }).Fit(train);
        var input = ml.Data.LoadFromEnumerable(Inputs);
        var rows = ml.Data.CreateEnumerable<Explained>(model.Transform(input), reuseRowObject: false).ToList();

        var explainer = new IntegratedGradients(model.Model.Model);
        var sequencer = model.Model.Sequencer!;
        for (int i = 0; i < Inputs.Length; i++)
        {
            string[] words = sequencer.Tokenizer.Tokenize(Inputs[i].Text);
            CollectionAssert.AreEqual(words.Take(10).ToArray(), rows[i].AttributionTokens, $"row {i}: the tokens read, none cut off by truncation");
            Assert.AreEqual(rows[i].AttributionTokens.Length, rows[i].Attributions.Length, $"row {i}: one value per token");
            if (words.Length > 0)
            {
                var expected = explainer.Explain(sequencer, Inputs[i].Text, maxLength: 10, targetClass: 1);
                CollectionAssert.AreEqual(expected.Values.ToArray(), rows[i].Attributions, $"row {i}: the Core explainer's values (towards true)");
                Assert.AreEqual(rows[i].Score, expected.Score, 1e-4, $"row {i}: the explained score is the Score column");
            }
        }
        Assert.AreEqual(10, rows[1].Attributions.Length, "the long row is cut to MaxSequenceLength");
        Assert.AreEqual(0, rows[2].Attributions.Length, "an empty text has no token to explain");

        string path = Path.Combine(Path.GetTempPath(), $"attr-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, input.Schema, path);
            var loaded = ml.Model.Load(path, out _);
            var reloaded = ml.Data.CreateEnumerable<Explained>(loaded.Transform(input), reuseRowObject: false).ToList();
            for (int i = 0; i < Inputs.Length; i++)
            {
                CollectionAssert.AreEqual(rows[i].AttributionTokens, reloaded[i].AttributionTokens);
                CollectionAssert.AreEqual(rows[i].Attributions, reloaded[i].Attributions, $"row {i}: identical after save and load");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void MulticlassTokens_OptedIn_ExplainsThePredictedClass()
    {
        var ml = new MLContext(1);
        var rows = RecurrentTextMulticlassTrainerTests.Rows(120, 1);
        var pipeline = ml.Transforms.Text.TokenizeIntoWords("Words", "Text")
            .Append(ml.Transforms.Conversion.MapValueToKey("Tokens", "Words"))
            .Append(ml.Transforms.Conversion.MapValueToKey("Label", "Topic"))
            .Append(ml.MulticlassClassification.Trainers.RecurrentTextClassifier(new RecurrentTextMulticlassTrainer.Options
            {
                TextColumnName = "Tokens", Epochs = 3, HiddenSize = 8, EmbeddingSize = 8, Seed = 1, OutputAttributions = true, EnsembleSize = 1,
            }));
        var model = pipeline.Fit(ml.Data.LoadFromEnumerable(rows));
        var output = model.Transform(ml.Data.LoadFromEnumerable(rows.Take(5)));
        var tokens = output.GetColumn<string[]>("AttributionTokens").ToList();
        var values = output.GetColumn<float[]>("Attributions").ToList();
        var scores = output.GetColumn<float[]>("Score").ToList();
        var core = RecurrentModels.FromTransformer(model);
        var explainer = new IntegratedGradients(core.Model);
        for (int i = 0; i < 5; i++)
        {
            int predicted = Array.IndexOf(scores[i], scores[i].Max());
            var expected = explainer.Explain(core.Sequencer!.Vocabulary.Encode(tokens[i]), predicted);
            CollectionAssert.AreEqual(expected.Values.ToArray(), values[i], $"row {i}");
        }
    }

    [TestMethod]
    public void Binary_NotOptedIn_HasNoAttributionColumns()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(RecurrentTextBinaryTrainerTests.Sentences(40, 2));
        var trainer = ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options { Epochs = 1, HiddenSize = 4, EmbeddingSize = 4 });
        var schema = trainer.Fit(data).Transform(data).Schema;
        Assert.IsNull(schema.GetColumnOrNull("Attributions"));
        Assert.IsNull(schema.GetColumnOrNull("AttributionTokens"));
        var shape = new RecurrentTextBinaryTrainer.Options { OutputAttributions = true };
        var declared = ml.BinaryClassification.Trainers.RecurrentTextClassifier(shape).GetOutputSchema(Shape(data.Schema));
        Assert.IsTrue(declared.Any(c => c.Name == "Attributions"), "the estimator declares the columns it adds");
    }

    // SchemaShape.Create is internal to ML.NET.
    private static SchemaShape Shape(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic)!
            .Invoke(null, [schema])!;
}
