using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Tests.Engine;

/// <summary>The one binary reader and writer that the model file and the text records share.</summary>
[TestClass]
public sealed class BinaryFieldTests
{
    [TestMethod]
    public void ReadBack_EveryFieldWritten_GivesTheSameValues()
    {
        using var writer = new BinaryFieldWriter();
        writer.WriteByte(7);
        writer.WriteInt32(-5);
        writer.WriteInt64(long.MinValue);
        writer.WriteSingle(-0.0f);
        writer.WriteDouble(Math.PI);
        writer.WriteVarCount(300);
        writer.WriteString("héllo ✓");
        writer.WriteVarString("ok");
        writer.WriteSingles([1.5f, -2f]);
        byte[] bytes = writer.WrittenSpan.ToArray();

        var reader = new BinaryFieldReader(new MemoryStream(bytes), "test data", "the block", bytes.Length);
        Assert.AreEqual(7, reader.ReadByte());
        Assert.AreEqual(-5, reader.ReadInt32("an int"));
        Assert.AreEqual(long.MinValue, reader.ReadInt64("a long"));
        Assert.AreEqual(BitConverter.SingleToInt32Bits(-0.0f), BitConverter.SingleToInt32Bits(reader.ReadSingle("a float")));
        Assert.AreEqual(Math.PI, reader.ReadDouble("a double"));
        Assert.AreEqual(300, reader.ReadVarCount("a count", 1000));
        Assert.AreEqual("héllo ✓", reader.ReadString("a string"));
        Assert.AreEqual("ok", reader.ReadStrictUtf8(reader.ReadVarCount("a length", 10), "a record string"));
        var floats = new float[2];
        reader.ReadFiniteFloats(floats, "w");
        CollectionAssert.AreEqual(new[] { 1.5f, -2f }, floats);
        reader.ExpectEnd();
    }

    [TestMethod]
    public void VerifyRecordChecksum_OneByteFlipped_Throws()
    {
        using var writer = new BinaryFieldWriter();
        writer.BeginRecord(0x54534554, 1);
        writer.WriteVarString("payload");
        writer.EndRecord();
        byte[] bytes = writer.WrittenSpan.ToArray();

        var intact = new BinaryFieldReader(new MemoryStream(bytes), "record", "the stream");
        intact.ReadRecordHead(0x54534554, 1);
        Assert.AreEqual("payload", intact.ReadStrictUtf8(intact.ReadVarCount("a length", 100), "the text"));
        intact.VerifyRecordChecksum();

        bytes[7] ^= 1;
        var flipped = new BinaryFieldReader(new MemoryStream(bytes), "record", "the stream");
        flipped.ReadRecordHead(0x54534554, 1);
        flipped.ReadStrictUtf8(flipped.ReadVarCount("a length", 100), "the text");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(flipped.VerifyRecordChecksum).Message, "checksum mismatch");
    }

    [TestMethod]
    public void Read_PastTheLimit_ThrowsNamingThePartAndField()
    {
        byte[] bytes = new byte[16];
        var reader = new BinaryFieldReader(new MemoryStream(bytes), "model file", "the 'TEST' section", limit: 6);
        reader.ReadInt32("the first field");
        var error = Assert.ThrowsExactly<InvalidDataException>(() => reader.ReadInt32("the second field"));
        Assert.AreEqual("Invalid model file: the 'TEST' section ends while reading the second field (truncated or inconsistent lengths).", error.Message);
    }

    [TestMethod]
    public void ReadVarCount_NotShortestForm_Throws()
    {
        var reader = new BinaryFieldReader(new MemoryStream([0x81, 0x00]), "record", "the stream");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => reader.ReadVarCount("a count", 100)).Message, "shortest 7-bit form");
    }
}
