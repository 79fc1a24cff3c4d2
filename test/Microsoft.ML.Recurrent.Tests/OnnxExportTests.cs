using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Recurrent.Serialization;

namespace Microsoft.ML.Recurrent.PluginTests;

/// <summary>The plugin's trained and loaded models export to ONNX, and ML.NET's ApplyOnnxModel scores them as the .zip does.</summary>
[TestClass]
public sealed class OnnxExportTests
{
    /// <summary>What a consumer feeds the ONNX model: token ids from the model's own sequencer, and their count.</summary>
    public sealed class TokenRow
    {
        [VectorType]
        public long[] Tokens { get; set; } = [];

        [VectorType(1)]
        public int[] Lengths { get; set; } = [];
    }

    public sealed class OnnxScore
    {
        [VectorType(2)]
        [ColumnName(OnnxExporter.ProbabilitiesOutput)]
        public float[] Probabilities { get; set; } = [];
    }

    [TestMethod]
    public void ApplyOnnxModel_ExportedSentimentModel_GivesTheZipsProbabilities()
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromEnumerable(RecurrentTextBinaryTrainerTests.Sentences(120, 1));
        var test = RecurrentTextBinaryTrainerTests.Sentences(30, 2);
        var trained = ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options { Epochs = 6, HiddenSize = 8, EmbeddingSize = 8, Seed = 1, ValidationFraction = 0, NgramEnsemble = false, EnsembleSize = 1 }).Fit(train);
        using var zip = new MemoryStream();
        ml.Model.Save(trained, train.Schema, zip);
        zip.Position = 0;
        var loaded = ml.Model.Load(zip, out _);
        float[] expected = loaded.Transform(ml.Data.LoadFromEnumerable(test)).GetColumn<float>("Probability").ToArray();
        string path = Path.Combine(Path.GetTempPath(), $"sentiment-{Guid.NewGuid():N}.onnx");
        try
        {
            RecurrentModels.ExportToOnnx(loaded, path);

            // Tokenised the way the transformer does: the model's own sequencer (Core, no ML.NET needed).
            var sequencer = RecurrentModels.FromTransformer(loaded).Sequencer!;
            var rows = test.Select(r => sequencer.Encode(r.Text)).Select(ids => new TokenRow { Tokens = [.. ids.Select(i => (long)i)], Lengths = [ids.Length] });
            var onnx = ml.Transforms.ApplyOnnxModel([OnnxExporter.ProbabilitiesOutput], [OnnxExporter.TokensInput, OnnxExporter.LengthsInput], path);
            var pipeline = ml.Transforms.CopyColumns(OnnxExporter.TokensInput, nameof(TokenRow.Tokens))
                .Append(ml.Transforms.CopyColumns(OnnxExporter.LengthsInput, nameof(TokenRow.Lengths)))
                .Append(onnx);
            var data = ml.Data.LoadFromEnumerable(rows);
            using var scorer = pipeline.Fit(data) as IDisposable;
            var scored = ml.Data.CreateEnumerable<OnnxScore>(((ITransformer)scorer!).Transform(data), reuseRowObject: false).ToArray();

            Assert.AreEqual(expected.Length, scored.Length);
            float[] actual = [.. scored.Select(s => s.Probabilities[1])];
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.AreEqual(expected[i], actual[i], 1e-5, $"row {i}: \"{test[i].Text}\"");
            }
            Assert.IsTrue(expected.Min() < 0.5 && expected.Max() > 0.5, "both classes are predicted, so the comparison is not trivial");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void ExportToOnnx_SeriesRegressor_PredictsTheScoreInOriginalUnits()
    {
        var ml = new MLContext(1);
        var windows = RecurrentSeriesRegressionTrainerTests.Windows(60, 1);
        var model = ml.Regression.Trainers.RecurrentSeriesRegressor(new RecurrentSeriesRegressionTrainer.Options { Epochs = 2, HiddenSize = 8, Seed = 1 })
            .Fit(ml.Data.LoadFromEnumerable(windows));
        var probe = windows.Take(5).ToList();
        float[] expected = model.Transform(ml.Data.LoadFromEnumerable(probe)).GetColumn<float>("Score").ToArray();
        using var stream = new MemoryStream();

        RecurrentModels.ExportToOnnx(model, stream);

        int steps = probe[0].Features.Length;
        using var session = new InferenceSession(stream.ToArray());
        var inputs = new[]
        {
            NamedOnnxValue.CreateFromTensor(OnnxExporter.FeaturesInput, new DenseTensor<float>(probe.SelectMany(w => w.Features).ToArray(), [probe.Count, steps, 1])),
            NamedOnnxValue.CreateFromTensor(OnnxExporter.LengthsInput, new DenseTensor<int>(Enumerable.Repeat(steps, probe.Count).ToArray(), [probe.Count])),
        };
        using var results = session.Run(inputs);
        float[] actual = results.Single(r => r.Name == OnnxExporter.PredictionOutput).AsTensor<float>().ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-4 * Math.Max(1, Math.Abs(expected[i])), $"window {i}");
        }
    }

    [TestMethod]
    public void ExportToOnnx_TransformerWithoutRecurrentModel_ThrowsArgumentException()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(RecurrentTextBinaryTrainerTests.Sentences(4, 1));
        var other = ml.Transforms.CopyColumns("Copy", "Text").Fit(data);

        Assert.ThrowsExactly<ArgumentException>(() => RecurrentModels.ExportToOnnx(other, new MemoryStream()));
    }
}
