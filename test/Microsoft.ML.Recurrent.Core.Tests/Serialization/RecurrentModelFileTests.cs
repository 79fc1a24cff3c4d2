using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Text;
using static Microsoft.ML.Recurrent.Tests.Serialization.ModelFileTestData;

namespace Microsoft.ML.Recurrent.Tests.Serialization;

[TestClass]
public sealed class RecurrentModelFileTests
{
    public static IEnumerable<object[]> Kinds => AllKinds;

    private static void AssertSameBundle(RecurrentModelFile expected, RecurrentModelFile actual, string label)
    {
        Assert.AreEqual(expected.Model.Options, actual.Model.Options, $"{label}: options");
        CollectionAssert.AreEqual(expected.Model.Parameters.Names.ToArray(), actual.Model.Parameters.Names.ToArray(), $"{label}: parameter names");
        foreach (string name in expected.Model.Parameters.Names)
        {
            CollectionAssert.AreEqual(expected.Model.Parameters.GetInfo(name).Shape, actual.Model.Parameters.GetInfo(name).Shape, $"{label}: shape of {name}");
        }
        TestAssert.AssertBitIdentical(expected.Model.Parameters.Values, actual.Model.Parameters.Values, $"{label}: weights");
        var inputs = Inputs(expected.Model);
        TestAssert.AssertBitIdentical(Predict(expected.Model, inputs), Predict(actual.Model, inputs), $"{label}: predictions");
        Assert.AreEqual(expected.Sequencer is null, actual.Sequencer is null, $"{label}: sequencer presence");
        if (expected.Sequencer is { } sequencer)
        {
            Assert.AreEqual(sequencer.Vocabulary, actual.Sequencer!.Vocabulary, $"{label}: vocabulary");
            Assert.AreEqual(sequencer.Tokenizer.ToString(), actual.Sequencer.Tokenizer.ToString(), $"{label}: tokenizer");
            CollectionAssert.AreEqual(sequencer.Encode("a great Paris question"), actual.Sequencer.Encode("a great Paris question"), $"{label}: encoding");
        }
        CollectionAssert.AreEqual(expected.LabelNames?.ToArray(), actual.LabelNames?.ToArray(), $"{label}: label names");
        CollectionAssert.AreEquivalent(expected.NumericMetadata.ToArray(), actual.NumericMetadata.ToArray(), $"{label}: numbers");
        CollectionAssert.AreEquivalent(expected.Metadata.ToArray(), actual.Metadata.ToArray(), $"{label}: metadata");
    }

    [TestMethod]
    [DynamicData(nameof(Kinds))]
    public void FromBytes_EachTaskKind_RoundTripsBitIdentical(string kind, RecurrentModelFile bundle)
    {
        byte[] bytes = bundle.ToBytes();
        var loaded = RecurrentModelFile.FromBytes(bytes);
        AssertSameBundle(bundle, loaded, kind);
        CollectionAssert.AreEqual(bytes, loaded.ToBytes(), $"{kind}: saving the loaded bundle gives the same bytes");
    }

    [TestMethod]
    [DynamicData(nameof(Kinds))]
    public void Load_SavedFile_RoundTripsBitIdentical(string kind, RecurrentModelFile bundle)
    {
        string dir = Directory.CreateTempSubdirectory("rnnmodel-").FullName;
        try
        {
            string path = Path.Combine(dir, "model" + RecurrentModelFile.Extension);
            bundle.Save(path);
            AssertSameBundle(bundle, RecurrentModelFile.Load(path), kind);
            AssertSameBundle(bundle, RecurrentModelFile.Load(path), kind);
            CollectionAssert.AreEqual(bundle.ToBytes(), File.ReadAllBytes(path), $"{kind}: file bytes");
            Assert.AreEqual(1, Directory.GetFiles(dir).Length, "no temporary file is left");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    [DynamicData(nameof(Kinds))]
    public void FromBase64_EachTaskKind_RoundTripsBitIdentical(string kind, RecurrentModelFile bundle)
    {
        string text = bundle.ToBase64();
        Assert.AreEqual(Convert.ToBase64String(bundle.ToBytes()), text);
        AssertSameBundle(bundle, RecurrentModelFile.FromBase64(text), kind);
    }

    [TestMethod]
    public void Load_TwoFilesInOneStream_ReadsEachAndStopsAfterIt()
    {
        var first = Classification();
        var second = Regression();
        using var stream = new MemoryStream();
        first.Save(stream);
        long firstLength = stream.Length;
        second.Save(stream);
        stream.Position = 0;
        AssertSameBundle(first, RecurrentModelFile.Load(stream), "first");
        Assert.AreEqual(firstLength, stream.Position);
        AssertSameBundle(second, RecurrentModelFile.Load(stream), "second");
        Assert.AreEqual(stream.Length, stream.Position);
    }

    [TestMethod]
    public void Load_ForwardOnlyStream_RoundTrips()
    {
        var bundle = Tagging();
        AssertSameBundle(bundle, RecurrentModelFile.Load(new ForwardOnlyStream(bundle.ToBytes())), "forward-only stream");
    }

    [TestMethod]
    public void ToBytes_SameBundle_IsDeterministicAndStartsWithHeader()
    {
        var bundle = Regression();
        byte[] bytes = bundle.ToBytes();
        CollectionAssert.AreEqual(bytes, Regression().ToBytes());
        Assert.IsTrue(RecurrentModelFile.HasMagic(bytes));
        Assert.AreEqual(1, BitConverter.ToUInt16(bytes, 8), "a model without version-2 options is written as version 1");
        Assert.AreEqual(bytes.Length - HeaderSize, BitConverter.ToInt64(bytes, 16));
        Assert.IsFalse(RecurrentModelFile.HasMagic("RNNMODE"u8));
    }

    [TestMethod]
    public void Constructor_SequencerOfOtherSize_Throws()
    {
        var bundle = Classification();
        var other = LanguageModel().Sequencer!;
        Assert.ThrowsExactly<ArgumentException>(() => new RecurrentModelFile(bundle.Model, other));
        Assert.ThrowsExactly<ArgumentException>(() => new RecurrentModelFile(Regression().Model, bundle.Sequencer));
    }

    [TestMethod]
    public void Constructor_InvalidLabelsNumbersOrMetadata_Throws()
    {
        var model = Classification().Model;
        Assert.ThrowsExactly<ArgumentNullException>(() => new RecurrentModelFile(null!));
        Assert.ThrowsExactly<ArgumentException>(() => new RecurrentModelFile(model, labelNames: ["only", "two"]));
        Assert.ThrowsExactly<ArgumentException>(() => new RecurrentModelFile(model, labelNames: ["a", null!, "c"]));
        Assert.ThrowsExactly<ArgumentException>(() => new RecurrentModelFile(model, labelNames: ["a", "b", "\ud800"]));
        Assert.ThrowsExactly<ArgumentException>(() => new RecurrentModelFile(model, numericMetadata: [new("mean", double.NaN)]));
        Assert.ThrowsExactly<ArgumentException>(() => new RecurrentModelFile(model, numericMetadata: [new("", 1)]));
        Assert.ThrowsExactly<ArgumentException>(() => new RecurrentModelFile(model, numericMetadata: [new("x", 1), new("x", 2)]));
        Assert.ThrowsExactly<ArgumentException>(() => new RecurrentModelFile(model, metadata: [new("k", null!)]));
        Assert.ThrowsExactly<ArgumentException>(() => new RecurrentModelFile(model, metadata: [new("k\udc00", "v")]));
    }

    [TestMethod]
    public void Constructor_CopiesInputs_LaterChangesDoNotLeakIn()
    {
        var model = Classification().Model;
        string[] labels = ["a", "b", "c"];
        var numbers = new Dictionary<string, double> { ["m"] = 1 };
        var bundle = new RecurrentModelFile(model, labelNames: labels, numericMetadata: numbers);
        labels[0] = "changed";
        numbers["m"] = 2;
        Assert.AreEqual("a", bundle.LabelNames![0]);
        Assert.AreEqual(1.0, bundle.NumericMetadata["m"]);
        Assert.AreEqual(0, bundle.Metadata.Count);
    }

    [TestMethod]
    public void FromBytes_TextModelWithoutSequencer_RoundTripsWithNullSequencer()
    {
        var bundle = new RecurrentModelFile(LanguageModel().Model);
        var loaded = RecurrentModelFile.FromBytes(bundle.ToBytes());
        Assert.IsNull(loaded.Sequencer);
        Assert.IsNull(loaded.LabelNames);
        AssertSameBundle(bundle, loaded, "no sequencer");
    }

    [TestMethod]
    public void Save_ModelWithNaNWeight_ThrowsNamingTheParameter()
    {
        var bundle = Regression();
        bundle.Model.Parameters.GetValues("fc.bias")[1] = float.PositiveInfinity;
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => bundle.ToBytes());
        StringAssert.Contains(e.Message, "fc.bias");
        Assert.ThrowsExactly<InvalidOperationException>(() => bundle.Save(new MemoryStream()));
    }

    [TestMethod]
    public void FromBase64_NotBase64_ThrowsInvalidData()
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => RecurrentModelFile.FromBase64("not base64!"));
        StringAssert.Contains(e.Message, "base64");
    }

    [TestMethod]
    public void Sequencer_AfterLoad_EncodesLikeTheOriginal()
    {
        var bundle = LanguageModel();
        var loaded = RecurrentModelFile.FromBytes(bundle.ToBytes());
        Assert.IsInstanceOfType<CharacterTokenizer>(loaded.Sequencer!.Tokenizer);
        CollectionAssert.AreEqual(bundle.Sequencer!.Encode("to be? xyz"), loaded.Sequencer.Encode("to be? xyz"));
    }
}
