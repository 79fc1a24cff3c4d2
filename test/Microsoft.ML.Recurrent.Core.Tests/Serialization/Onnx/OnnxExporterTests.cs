using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Serialization.Onnx;

namespace Microsoft.ML.Recurrent.Tests.Serialization.Onnx;

[TestClass]
public sealed class OnnxExporterTests
{
    [TestMethod]
    public void Export_TextClassifier_FileLoadsWithNamesAxesAndMetadata()
    {
        var file = ModelFileTestData.Classification();
        string path = Path.Combine(Path.GetTempPath(), $"onnx-export-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExporter.Export(file, path);
            using var session = new InferenceSession(path);

            CollectionAssert.AreEquivalent(new[] { OnnxExporter.TokensInput, OnnxExporter.LengthsInput }, session.InputMetadata.Keys.ToArray());
            CollectionAssert.AreEquivalent(new[] { OnnxExporter.LogitsOutput, OnnxExporter.ProbabilitiesOutput }, session.OutputMetadata.Keys.ToArray());
            CollectionAssert.AreEqual(new[] { -1, -1 }, session.InputMetadata[OnnxExporter.TokensInput].Dimensions);
            CollectionAssert.AreEqual(new[] { "batch", "sequence" }, session.InputMetadata[OnnxExporter.TokensInput].SymbolicDimensions);
            Assert.AreEqual(typeof(long), session.InputMetadata[OnnxExporter.TokensInput].ElementType);
            Assert.AreEqual(typeof(int), session.InputMetadata[OnnxExporter.LengthsInput].ElementType);
            CollectionAssert.AreEqual(new[] { -1, 3 }, session.OutputMetadata[OnnxExporter.ProbabilitiesOutput].Dimensions);

            var metadata = session.ModelMetadata.CustomMetadataMap;
            CollectionAssert.AreEqual(file.Sequencer!.Vocabulary.Tokens.ToArray(), JsonSerializer.Deserialize<string[]>(metadata["recurrent.vocabulary"]));
            CollectionAssert.AreEqual(new[] { "negative", "neutral", "positive" }, JsonSerializer.Deserialize<string[]>(metadata["recurrent.label_names"]));
            Assert.AreEqual("Classification", metadata["recurrent.task"]);
            Assert.AreEqual("Mean", metadata["recurrent.pooling"]);
            Assert.AreEqual(file.Sequencer.Vocabulary.UnknownId.ToString(System.Globalization.CultureInfo.InvariantCulture), metadata["recurrent.unknown_id"]);
            Assert.AreEqual("reviews", metadata["metadata.dataset"]);
            Assert.AreEqual("Microsoft.ML.Recurrent", session.ModelMetadata.ProducerName);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void Export_StandardisedRegressor_PredictsInOriginalUnits()
    {
        var options = new SequenceModelOptions { Task = SequenceTask.Regression, InputFeatures = 1, HiddenSize = 6, OutputSize = 1, Cell = RecurrentCellKind.Gru };
        var model = new SequenceModel(options, seed: 5);
        const double Mean = 120.5, Std = 14.25;
        int[] lengths = [4, 9, 2];
        var (examples, _, features, maxLength) = OnnxRuntimeRunner.Batch(options, lengths, seed: 8);
        float[] raw = [.. features.Select(v => (float)(v * Std + Mean))];
        byte[] onnx = OnnxExporter.ToBytes(new RecurrentModelFile(model), new OnnxExportOptions { StandardizationMean = Mean, StandardizationStd = Std });

        var (values, _) = OnnxRuntimeRunner.Run(onnx, options, lengths, [], raw, maxLength)[OnnxExporter.PredictionOutput];
        float[] expected = [.. OnnxRuntimeRunner.Ours(model, examples, maxLength).Select(v => (float)(v * Std + Mean))];

        TestAssert.AssertClose(expected, values, 1e-6, 1e-5, "prediction in original units");
    }

    [TestMethod]
    public void Export_StandardisationOnClassifier_ThrowsArgumentException()
    {
        var file = ModelFileTestData.Classification();

        var e = Assert.ThrowsExactly<ArgumentException>(() => OnnxExporter.ToBytes(file, new OnnxExportOptions { StandardizationMean = 1, StandardizationStd = 2 }));

        StringAssert.Contains(e.Message, "regressors");
    }

    [TestMethod]
    public void Export_UnknownPooling_ThrowsNotSupportedNamingIt()
    {
        var options = new SequenceModelOptions { VocabularySize = 5, Pooling = (SequencePooling)3 };

        var e = Assert.ThrowsExactly<NotSupportedException>(() => OnnxModelGraph.CheckSupported(options));

        StringAssert.Contains(e.Message, "pooling '3'");
    }

    [TestMethod]
    public void Export_NonFiniteWeight_ThrowsInvalidOperation()
    {
        var file = ModelFileTestData.Classification();
        file.Model.Parameters.Values[0] = float.NaN;

        Assert.ThrowsExactly<InvalidOperationException>(() => OnnxExporter.ToBytes(file));
    }
}
