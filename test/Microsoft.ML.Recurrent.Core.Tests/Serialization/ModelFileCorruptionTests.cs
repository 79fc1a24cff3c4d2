using System.Buffers.Binary;
using Microsoft.ML.Recurrent.Serialization;
using static Microsoft.ML.Recurrent.Tests.Serialization.ModelFileTestData;

namespace Microsoft.ML.Recurrent.Tests.Serialization;

[TestClass]
public sealed class ModelFileCorruptionTests
{
    private static readonly byte[] _valid = Classification().ToBytes();

    [TestMethod]
    public void FromBytes_OtherData_SaysNotAModelFile()
    {
        AssertInvalid("PK\u0003\u0004 a zip file, not a model"u8.ToArray(), "not a model file");
        AssertInvalid([], "not a model file", "empty");
        AssertInvalid("RNNTRAIN and more bytes than a header needs, to be sure the magic is what fails"u8.ToArray(), "not a model file");
    }

    [TestMethod]
    public void FromBytes_FutureVersion_SaysWhichVersionsAreInvolved()
    {
        byte[] file = (byte[])_valid.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(8), 3);
        AssertInvalid(file, "format version 3", "reads format versions 1 to 2");
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(8), 0);
        AssertInvalid(file, "format version 0");
    }

    [TestMethod]
    public void FromBytes_FlippedContentByte_SaysChecksum()
    {
        foreach (int offset in new[] { OptionsBody + 20, _valid.Length / 2, _valid.Length - 1 })
        {
            byte[] file = (byte[])_valid.Clone();
            file[offset] ^= 0x10;
            AssertInvalid(file, "checksum", "corrupt");
        }
        byte[] hashFlipped = (byte[])_valid.Clone();
        hashFlipped[40] ^= 1;
        AssertInvalid(hashFlipped, "checksum");
    }

    [TestMethod]
    public void FromBytes_Truncated_SaysTruncated()
    {
        foreach (int length in new[] { 5, 8, 30, HeaderSize - 1, HeaderSize, HeaderSize + 1, _valid.Length / 2, _valid.Length - 1 })
        {
            AssertInvalid(_valid[..length], "truncated");
        }
    }

    [TestMethod]
    public void Load_TruncatedStreams_SayTruncated()
    {
        foreach (int length in new[] { 30, HeaderSize, _valid.Length - 1 })
        {
            var fromSeekable = Assert.ThrowsExactly<InvalidDataException>(() => RecurrentModelFile.Load(new MemoryStream(_valid[..length])));
            StringAssert.Contains(fromSeekable.Message, "truncated");
            var fromForwardOnly = Assert.ThrowsExactly<InvalidDataException>(() => RecurrentModelFile.Load(new ForwardOnlyStream(_valid[..length])));
            StringAssert.Contains(fromForwardOnly.Message, "truncated");
        }
    }

    [TestMethod]
    public void Load_TruncatedFile_SaysTruncated()
    {
        string path = Path.Combine(Path.GetTempPath(), $"truncated-{Guid.NewGuid():N}.rnnmodel");
        try
        {
            File.WriteAllBytes(path, _valid[..^10]);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => RecurrentModelFile.Load(path));
            StringAssert.Contains(e.Message, "truncated");
            File.WriteAllBytes(path, [.. _valid, 0]);
            e = Assert.ThrowsExactly<InvalidDataException>(() => RecurrentModelFile.Load(path));
            StringAssert.Contains(e.Message, "unexpected data");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void FromBytes_TrailingBytes_SaysUnexpected() => AssertInvalid([.. _valid, 1, 2, 3], "3 unexpected bytes");

    [TestMethod]
    public void FromBytes_HugeContentLength_RejectedBeforeAllocating()
    {
        foreach (long length in new[] { long.MaxValue, -1L, 1L << 40, int.MaxValue, _valid.Length })
        {
            byte[] file = (byte[])_valid.Clone();
            BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(16), length);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => RecurrentModelFile.FromBytes(file));
            Assert.IsTrue(e.Message.Contains("content bytes", StringComparison.Ordinal), e.Message);
            var fromStream = Assert.ThrowsExactly<InvalidDataException>(() => RecurrentModelFile.Load(new ForwardOnlyStream(file)));
            Assert.IsTrue(fromStream.Message.Contains("content bytes", StringComparison.Ordinal) || fromStream.Message.Contains("truncated", StringComparison.Ordinal), fromStream.Message);
        }
    }

    [TestMethod]
    public void FromBytes_UnknownFlagsOrSectionCount_SaysHeaderIsCorrupt()
    {
        byte[] flags = (byte[])_valid.Clone();
        flags[10] |= 0x80;
        AssertInvalid(flags, "unknown bits");
        AssertInvalid(WithInt32(_valid, 12, 7, rehash: false), "sections");
    }

    [TestMethod]
    public void FromBytes_InvalidOptions_WrapsTheArgumentException()
    {
        byte[] file = WithInt32(_valid, OptionsBody + 20, 0);   // HiddenSize 0
        var e = Assert.ThrowsExactly<InvalidDataException>(() => RecurrentModelFile.FromBytes(file));
        StringAssert.Contains(e.Message, "HiddenSize");
        Assert.IsInstanceOfType<ArgumentException>(e.InnerException);
        AssertInvalid(WithInt32(_valid, OptionsBody + 16, 9), "Cell 9");
        AssertInvalid(WithInt32(_valid, OptionsBody, 42), "options", "Task");
    }

    [TestMethod]
    public void FromBytes_OptionsDisagreeWithParameters_SaysWhatTheyCallFor()
    {
        AssertInvalid(WithInt32(_valid, OptionsBody + 20, 6), "parameters", "call for");   // HiddenSize 5 -> 6
        AssertInvalid(WithInt32(_valid, OptionsBody + 37, 4), "call for");                 // OutputSize 3 -> 4
        AssertInvalid(WithInt32(_valid, OptionsBody + 4, 1000), "call for");               // VocabularySize
    }

    [TestMethod]
    public void FromBytes_RenamedParameter_NamesBoth()
    {
        byte[] file = (byte[])_valid.Clone();
        int nameAt = ParametersSection + 8 + 4 + 8 + 4;   // tag, length, tensor count, value count, name length
        Assert.AreEqual("embedding.weight", System.Text.Encoding.UTF8.GetString(file, nameAt, 16));
        file[nameAt] = (byte)'E';
        AssertInvalid(Rehash(file), "Embedding.weight", "embedding.weight");
    }

    [TestMethod]
    public void FromBytes_NonFiniteWeight_NamesTheParameter()
    {
        int parameters = SectionOffset(_valid, "PARM");
        int end = parameters + 8 + BinaryPrimitives.ReadInt32LittleEndian(_valid.AsSpan(parameters + 4));
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            byte[] file = (byte[])_valid.Clone();
            BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(end - 8), bad);   // fc.bias[1] of 3
            AssertInvalid(Rehash(file), "fc.bias", "non-finite", "element 1");
        }
    }

    [TestMethod]
    public void FromBytes_SectionLengthTooLarge_SaysRemaining()
    {
        int labels = SectionOffset(_valid, "LABL");
        AssertInvalid(WithInt32(_valid, labels + 4, int.MaxValue), "LABL", "remain");
        AssertInvalid(WithInt32(_valid, labels + 4, -5), "LABL");
    }

    [TestMethod]
    public void FromBytes_CountsAndStringLengthsTooLarge_AreRejected()
    {
        int labels = SectionOffset(_valid, "LABL");
        AssertInvalid(WithInt32(_valid, labels + 8, 1_000_000), "label count");
        AssertInvalid(WithInt32(_valid, labels + 12, int.MaxValue), "label name 0");
        int metadata = SectionOffset(_valid, "META");
        AssertInvalid(WithInt32(_valid, metadata + 8, int.MaxValue), "metadata entry count");
        AssertInvalid(WithInt32(_valid, ParametersSection + 8, 5000), "tensor count");
    }

    [TestMethod]
    public void FromBytes_CorruptVocabularyRecord_SaysTextSection()
    {
        int text = SectionOffset(_valid, "TEXT");
        byte[] file = (byte[])_valid.Clone();
        file[text + 8 + 20] ^= 0x55;
        AssertInvalid(Rehash(file), "'TEXT'");
    }

    [TestMethod]
    public void FromBytes_SectionsOutOfOrder_NamesTheExpectedSection()
    {
        byte[] file = (byte[])_valid.Clone();
        "XXXX"u8.CopyTo(file.AsSpan(SectionOffset(_valid, "NUMS")));
        AssertInvalid(Rehash(file), "expected section 'NUMS'", "XXXX");
    }

    [TestMethod]
    public void Save_StreamFailsMidWrite_KeepsPreviousFileAndRemovesTemp()
    {
        string dir = Directory.CreateTempSubdirectory("rnnmodel-atomic-").FullName;
        try
        {
            string path = Path.Combine(dir, "model.rnnmodel");
            var previous = Regression();
            previous.Save(path);
            byte[] before = File.ReadAllBytes(path);
            var next = Classification();
            foreach (long failAfter in new long[] { 0, 1, HeaderSize, 500, next.ToBytes().Length - 1 })
            {
                Assert.ThrowsExactly<IOException>(() => next.SaveAtomically(path, s => new FailingStream(s, failAfter)));
                CollectionAssert.AreEqual(before, File.ReadAllBytes(path), $"fail after {failAfter} bytes: the previous file is intact");
                CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(dir), "the temporary file is removed");
            }
            string fresh = Path.Combine(dir, "fresh.rnnmodel");
            Assert.ThrowsExactly<IOException>(() => next.SaveAtomically(fresh, s => new FailingStream(s, 100)));
            Assert.IsFalse(File.Exists(fresh), "a failed first save leaves no file");
            next.Save(path);
            CollectionAssert.AreEqual(next.ToBytes(), File.ReadAllBytes(path), "a later save replaces the file");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void Save_ModelThatCannotBeSerialised_KeepsPreviousFileAndLeavesNoTemp()
    {
        string dir = Directory.CreateTempSubdirectory("rnnmodel-atomic-").FullName;
        try
        {
            string path = Path.Combine(dir, "model.rnnmodel");
            var bundle = LanguageModel();
            bundle.Save(path);
            byte[] before = File.ReadAllBytes(path);
            bundle.Model.Parameters.GetValues("gru.weight_hh_l1")[3] = float.NaN;
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => bundle.Save(path));
            StringAssert.Contains(e.Message, "gru.weight_hh_l1");
            CollectionAssert.AreEqual(before, File.ReadAllBytes(path));
            CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
