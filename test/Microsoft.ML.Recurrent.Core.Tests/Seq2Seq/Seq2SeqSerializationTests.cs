using Microsoft.ML.Recurrent.Seq2Seq;

namespace Microsoft.ML.Recurrent.Tests.Seq2Seq;

/// <summary>The sequence-to-sequence model file: exact round trip, and hostile files refused with a clear message.</summary>
[TestClass]
public sealed class Seq2SeqSerializationTests
{
    public static IEnumerable<object[]> Shapes => Seq2SeqTestModels.Shapes;

    [TestMethod]
    [DynamicData(nameof(Shapes))]
    public void Load_SavedModel_SameWeightsAndPredictions(string encoder, bool bidirectional, int encoderLayers,
        string decoder, int decoderLayers, string attention, bool feeding, int features)
    {
        var model = Seq2SeqTestModels.Create(encoder, bidirectional, encoderLayers, decoder, decoderLayers, attention, feeding, features);
        var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        var loaded = Seq2SeqModel.Load(stream);
        Assert.AreEqual(stream.Length, stream.Position);
        Assert.AreEqual(model.Options, loaded.Options);
        Assert.AreEqual(model.SourceVocabulary, loaded.SourceVocabulary);
        Assert.AreEqual(model.TargetVocabulary, loaded.TargetVocabulary);
        CollectionAssert.AreEqual(model.Parameters.Values, loaded.Parameters.Values);
        var inputs = Seq2SeqTestModels.Batch(model, 4);
        var options = new Seq2SeqDecodeOptions { BeamWidth = 2, MaxLength = 6 };
        var expected = model.Decode(inputs, options);
        var actual = loaded.Decode(inputs, options);
        for (int i = 0; i < inputs.Length; i++)
        {
            CollectionAssert.AreEqual(expected[i].Tokens, actual[i].Tokens);
            Assert.AreEqual(expected[i].LogProbability, actual[i].LogProbability);
        }
    }

    private static byte[] Saved()
    {
        var stream = new MemoryStream();
        Seq2SeqTestModels.Create("Lstm", true, 1, "Gru", 1, "Additive", true, 0).Save(stream);
        return stream.ToArray();
    }

    [TestMethod]
    public void Load_EveryTruncation_ThrowsInvalidData()
    {
        byte[] bytes = Saved();
        for (int length = 0; length < bytes.Length; length += Math.Max(1, length / 8))
        {
            var e = Assert.ThrowsExactly<InvalidDataException>(() => Seq2SeqModel.Load(new MemoryStream(bytes, 0, length)), $"length {length}");
            StringAssert.Contains(e.Message, "Invalid");
        }
    }

    [TestMethod]
    public void Load_FlippedBytes_ThrowsInvalidData()
    {
        byte[] bytes = Saved();
        var rng = new Random(2);
        for (int trial = 0; trial < 200; trial++)
        {
            byte[] copy = (byte[])bytes.Clone();
            copy[rng.Next(copy.Length)] ^= (byte)(1 << rng.Next(8));
            Assert.ThrowsExactly<InvalidDataException>(() => Seq2SeqModel.Load(new MemoryStream(copy)), $"trial {trial}");
        }
    }

    [TestMethod]
    public void Load_HugeHiddenSizeWithValidChecksum_ThrowsBeforeAllocating()
    {
        byte[] bytes = Saved();
        // The head record: magic (4) | version (1) | 14 int32 fields | CRC. Field 3 is EncoderHiddenSize; 4096 is allowed
        // but the weights it needs are not in the file.
        BitConverter.GetBytes(4096).CopyTo(bytes, 5 + 3 * 4);
        uint crc = Microsoft.ML.Recurrent.Engine.Crc32.Compute(bytes.AsSpan(0, 5 + 14 * 4));
        BitConverter.GetBytes(crc).CopyTo(bytes, 5 + 14 * 4);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Seq2SeqModel.Load(new MemoryStream(bytes)));
        StringAssert.Contains(e.Message, "weights");
    }

    [TestMethod]
    public void Load_OutOfRangeField_MessageNamesFieldAndRange()
    {
        byte[] bytes = Saved();
        BitConverter.GetBytes(99).CopyTo(bytes, 5 + 4 * 4); // EncoderLayers
        uint crc = Microsoft.ML.Recurrent.Engine.Crc32.Compute(bytes.AsSpan(0, 5 + 14 * 4));
        BitConverter.GetBytes(crc).CopyTo(bytes, 5 + 14 * 4);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Seq2SeqModel.Load(new MemoryStream(bytes)));
        StringAssert.Contains(e.Message, "EncoderLayers is 99; allowed 1..8");
    }
}
