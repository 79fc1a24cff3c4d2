using System.Globalization;

namespace Microsoft.ML.Recurrent.PluginTests;

/// <summary>examples/OnnxExport as a user runs it: export, ONNX Runtime in a second process, the largest difference.</summary>
[TestClass]
public sealed class OnnxExportExampleTests
{
    private string _dir = "";

    [TestInitialize]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("recurrent-onnx-example-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    public void OnnxExport_NoArguments_OnnxRuntimeInAnotherProcessAgreesWithTheZip()
    {
        var (exitCode, output, error) = ExampleProcess.Run("OnnxExport", _dir, "--repeat", "5");

        Assert.AreEqual(0, exitCode, output + error);
        Assert.IsTrue(File.Exists(Path.Combine(_dir, "artifacts", "OnnxExport", "model.onnx")), "the .onnx goes to artifacts/ under the current folder");
        Assert.IsLessThanOrEqualTo(1e-5, LargestDifference(output), output);
    }

    [TestMethod]
    public void OnnxExport_UnidirectionalRnnModelFile_OnnxRuntimeAgreesWithTheStreamingSession()
    {
        // The shipped model's vocabulary under a unidirectional LSTM (a streaming session reads one direction only).
        var zip = new MLContext().Model.Load(Path.Combine(ExampleProcess.RepositoryRoot, "examples", "ModelConsumer", "Data", "sentiment-tiny.zip"), out _);
        var sequencer = RecurrentModels.FromTransformer(zip).Sequencer!;
        var network = new Models.SequenceModel(new Models.SequenceModelOptions
        {
            VocabularySize = sequencer.Vocabulary.Count, EmbeddingSize = 6, HiddenSize = 7, NumLayers = 2, Pooling = Models.SequencePooling.Mean,
        }, seed: 4);
        string model = Path.Combine(_dir, "sentiment.rnnmodel");
        new Serialization.RecurrentModelFile(network, sequencer, ["negative", "positive"]).Save(model);

        var (exitCode, output, error) = ExampleProcess.Run("OnnxExport", _dir, "--model", model, "--output", Path.Combine(_dir, "sentiment.onnx"), "--repeat", "5");

        Assert.AreEqual(0, exitCode, output + error);
        Assert.IsLessThanOrEqualTo(1e-5, LargestDifference(output), output);
    }

    private static double LargestDifference(string output)
    {
        string line = output.Split('\n', StringSplitOptions.TrimEntries).Single(l => l.StartsWith("largest difference: ", StringComparison.Ordinal));
        return double.Parse(line["largest difference: ".Length..], CultureInfo.InvariantCulture);
    }
}
