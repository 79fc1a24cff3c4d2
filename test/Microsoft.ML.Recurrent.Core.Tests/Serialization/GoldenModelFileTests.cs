using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.Tests.Serialization;

/// <summary>
/// Format compatibility: a version-1 file written once and committed must load, with the same predictions, in every
/// later build. Never regenerate it to make a failing test pass: a failure means old files no longer load.
/// </summary>
[TestClass]
public sealed class GoldenModelFileTests
{
    private const string GoldenDirVariable = "RECURRENT_WRITE_GOLDEN_DIR";

    internal static string GoldenPath => Path.Combine(AppContext.BaseDirectory, "TestData", "golden", "model-v1.rnnmodel");

    internal const string GoldenInput = "hello, world";

    // Logits of the golden model for GoldenInput, from WriteGoldenFile when the file was written (format v1).
    private static readonly double[] _expectedLogits = [-0.42360109090805054, 0.09277406334877014, -0.32095205783843994];

    /// <summary>The bundle the golden file holds: every section, an LSTM with every option set away from its default.</summary>
    internal static RecurrentModelFile GoldenBundle()
    {
        var sequencer = TextSequencer.Build(["hello world", "golden file, v1!"], new CharacterTokenizer());
        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.Classification,
            VocabularySize = sequencer.Vocabulary.Count,
            EmbeddingSize = 3,
            Cell = RecurrentCellKind.Lstm,
            HiddenSize = 4,
            NumLayers = 2,
            Bidirectional = true,
            Dropout = 0.125f,
            Pooling = SequencePooling.Mean,
            OutputSize = 3,
            ForgetGateBias = 1f,
        }, seed: 2024);
        return new RecurrentModelFile(model, sequencer, ["negative", "neutral", "positive"],
            numericMetadata: [new("feature.mean", 0.25), new("feature.std", 2.5)],
            metadata: [new("created-by", "GoldenModelFileTests"), new("note", "héllo ✓")]);
    }

    private static float[] GoldenLogits(RecurrentModelFile bundle) =>
        ModelFileTestData.Predict(bundle.Model, [new SequenceExample { Tokens = bundle.Sequencer!.Encode(GoldenInput) }]);

    [TestMethod]
    public void Load_GoldenV1File_GivesTheRecordedModelAndPredictions()
    {
        var bundle = RecurrentModelFile.Load(GoldenPath);
        Assert.AreEqual(new SequenceModelOptions
        {
            Task = SequenceTask.Classification,
            VocabularySize = bundle.Sequencer!.Vocabulary.Count,
            EmbeddingSize = 3,
            Cell = RecurrentCellKind.Lstm,
            HiddenSize = 4,
            NumLayers = 2,
            Bidirectional = true,
            Dropout = 0.125f,
            Pooling = SequencePooling.Mean,
            OutputSize = 3,
            ForgetGateBias = 1f,
        }, bundle.Model.Options);
        Assert.IsInstanceOfType<CharacterTokenizer>(bundle.Sequencer.Tokenizer);
        Assert.AreEqual(GoldenBundle().Sequencer!.Vocabulary, bundle.Sequencer.Vocabulary);
        CollectionAssert.AreEqual(new[] { "negative", "neutral", "positive" }, bundle.LabelNames!.ToArray());
        Assert.AreEqual(0.25, bundle.NumericMetadata["feature.mean"]);
        Assert.AreEqual(2.5, bundle.NumericMetadata["feature.std"]);
        Assert.AreEqual("héllo ✓", bundle.Metadata["note"]);
        Assert.AreEqual("GoldenModelFileTests", bundle.Metadata["created-by"]);
        TestAssert.AssertClose(_expectedLogits, GoldenLogits(bundle), 0, 1e-6, "golden logits");
    }

    [TestMethod]
    public void Load_GoldenV1File_PassesEveryIntegrityCheck()
    {
        byte[] bytes = File.ReadAllBytes(GoldenPath);
        Assert.IsTrue(RecurrentModelFile.HasMagic(bytes));
        Assert.AreEqual(1, BitConverter.ToUInt16(bytes, 8), "the golden file is format version 1");
        var bundle = RecurrentModelFile.FromBytes(bytes);
        Assert.AreEqual(ModelFileFormatCount(bundle), bundle.Model.Parameters.Count);
        byte[] flipped = (byte[])bytes.Clone();
        flipped[^3] ^= 4;
        ModelFileTestData.AssertInvalid(flipped, "checksum");
    }

    [TestMethod]
    public void ToBytes_GoldenV1FileLoaded_WritesItBackByteForByte()
    {
        // The writer (and the text records inside the file) still produce format version 1 exactly.
        byte[] bytes = File.ReadAllBytes(GoldenPath);
        CollectionAssert.AreEqual(bytes, RecurrentModelFile.FromBytes(bytes).ToBytes());
    }

    private static int ModelFileFormatCount(RecurrentModelFile bundle) => (int)ModelFileFormat.ParameterCount(bundle.Model.Options);

    /// <summary>
    /// Writes the golden file. Runs only when RECURRENT_WRITE_GOLDEN_DIR names the folder to write to (the repository's
    /// test/Microsoft.ML.Recurrent.Core.Tests/TestData/golden); then paste the printed logits into _expectedLogits.
    /// </summary>
    [TestMethod]
    public void WriteGoldenFile()
    {
        string? dir = Environment.GetEnvironmentVariable(GoldenDirVariable);
        if (string.IsNullOrWhiteSpace(dir))
        {
            Assert.Inconclusive($"Set {GoldenDirVariable} to regenerate the golden model file deliberately.");
            return;
        }
        var bundle = GoldenBundle();
        string path = Path.Combine(dir, "model-v1.rnnmodel");
        bundle.Save(path);
        float[] logits = GoldenLogits(RecurrentModelFile.Load(path));
        string line = string.Join(", ", logits.Select(v => ((double)v).ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        Console.WriteLine($"_expectedLogits = [{line}];");
        File.WriteAllText(Path.Combine(dir, "model-v1.logits.txt"), line + "\n");
        CollectionAssert.AreEqual(bundle.ToBytes(), File.ReadAllBytes(path));
    }
}
