using System.Buffers.Binary;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.Tests.Text;

[TestClass]
public sealed class VocabularySerializationTests
{
    internal const int MaxTokens = 1000;
    internal const int MaxChars = 10_000;

    internal static readonly Vocabulary Sample = Vocabulary.Build(
        [new CharacterTokenizer().Tokenize("héllo 🙂 naïve e\u0301"), new WordTokenizer().Tokenize("Hello, héllo world 42")]);

    public static IEnumerable<object[]> Vocabularies =>
    [
        [Sample],
        [Vocabulary.FromTokens([], SpecialTokens.None)],
        [Vocabulary.FromTokens([], SpecialTokens.All)],
        [Vocabulary.FromTokens(["x", "<pad>", new string('w', 300)], SpecialTokens.Unknown | SpecialTokens.EndOfSequence)],
    ];

    internal static byte[] Save(Vocabulary vocabulary)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            vocabulary.WriteTo(writer);
        }
        return stream.ToArray();
    }

    internal static Vocabulary Load(byte[] bytes, int maxTokens = MaxTokens, int maxChars = MaxChars)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        return Vocabulary.ReadFrom(reader, maxTokens, maxChars);
    }

    // Raw record: "RVOC", version 1, the body bytes given, then a correct CRC-32, so structural checks are reached.
    internal static byte[] Record(params byte[] body)
    {
        byte[] bytes = [0x52, 0x56, 0x4F, 0x43, 1, .. body, 0, 0, 0, 0];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(^4), Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)));
        return bytes;
    }

    internal static byte[] WithFixedChecksum(byte[] bytes)
    {
        byte[] copy = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(^4), Crc32.Compute(copy.AsSpan(0, copy.Length - 4)));
        return copy;
    }

    [TestMethod]
    [DynamicData(nameof(Vocabularies))]
    public void ReadFrom_WrittenVocabulary_RoundTripsExactly(Vocabulary vocabulary)
    {
        byte[] bytes = Save(vocabulary);
        Vocabulary loaded = Load(bytes);
        Assert.AreEqual(vocabulary, loaded);
        Assert.AreEqual(vocabulary.UnknownId, loaded.UnknownId);
        CollectionAssert.AreEqual(bytes, Save(loaded));
    }

    [TestMethod]
    public void WriteTo_KnownVocabulary_HasDocumentedLayout()
    {
        byte[] expected = Record([0x02, 0x02, 5, .. "<unk>"u8, 2, .. "é"u8]);
        CollectionAssert.AreEqual(expected, Save(Vocabulary.FromTokens(["é"], SpecialTokens.Unknown)));
        Assert.AreEqual(0xCBF43926u, Crc32.Compute("123456789"u8), "CRC-32/ISO-HDLC check value");
    }

    [TestMethod]
    [DynamicData(nameof(Vocabularies))]
    public void ReadFrom_TruncatedAtEveryOffset_ThrowsInvalidData(Vocabulary vocabulary)
    {
        byte[] bytes = Save(vocabulary);
        for (int length = 0; length < bytes.Length; length++)
        {
            var error = Assert.ThrowsExactly<InvalidDataException>(() => Load(bytes[..length]), $"truncated to {length} of {bytes.Length}");
            StringAssert.StartsWith(error.Message, "Invalid vocabulary");
        }
    }

    [TestMethod]
    public void ReadFrom_EveryByteFlipped_ChecksumRejectsIt()
    {
        byte[] bytes = Save(Sample);
        for (int i = 0; i < bytes.Length; i++)
        {
            foreach (byte mask in new byte[] { 0x01, 0x10, 0x80, 0xFF })
            {
                byte[] corrupted = (byte[])bytes.Clone();
                corrupted[i] ^= mask;
                Assert.ThrowsExactly<InvalidDataException>(() => Load(corrupted), $"byte {i} ^ 0x{mask:X2}");
            }
        }
    }

    [TestMethod]
    public void ReadFrom_EveryByteFlippedWithChecksumRepaired_ValidatesStructure()
    {
        // With a correct checksum the structural checks alone must hold: each flip either loads a vocabulary
        // whose canonical form is exactly the corrupted bytes, or is rejected as InvalidDataException.
        byte[] bytes = Save(Sample);
        int loaded = 0;
        for (int i = 0; i < bytes.Length - 4; i++)
        {
            foreach (byte mask in new byte[] { 0x01, 0x02, 0x10, 0x40, 0x80, 0xFF })
            {
                byte[] corrupted = (byte[])bytes.Clone();
                corrupted[i] ^= mask;
                corrupted = WithFixedChecksum(corrupted);
                if (LoadsCanonicallyOrThrowsInvalidData(corrupted, $"byte {i} ^ 0x{mask:X2}"))
                {
                    loaded++;
                }
            }
        }
        Assert.IsGreaterThan(0, loaded, "some flips (inside token text) should stay valid");
    }

    [TestMethod]
    public void ReadFrom_RandomCorruptionsWithFixedSeed_OnlyEverThrowInvalidData()
    {
        byte[] bytes = Save(Sample);
        var random = new Random(20240611);
        for (int trial = 0; trial < 3000; trial++)
        {
            byte[] corrupted = bytes[..random.Next(1, bytes.Length + 1)];
            int flips = random.Next(1, 5);
            for (int f = 0; f < flips; f++)
            {
                corrupted[random.Next(corrupted.Length)] = (byte)random.Next(256);
            }
            if (trial % 2 == 1 && corrupted.Length > 9)
            {
                corrupted = WithFixedChecksum(corrupted);
            }
            LoadsCanonicallyOrThrowsInvalidData(corrupted, $"trial {trial}");
        }
    }

    [TestMethod]
    [DataRow(new byte[] { 0x10, 0x00 }, "flags 0x10")]
    [DataRow(new byte[] { 0x00, 0x85, 0x80, 0x80, 0x80, 0x80, 0x01 }, "more than 5 bytes")]
    [DataRow(new byte[] { 0x00, 0x81, 0x00 }, "shortest")]
    [DataRow(new byte[] { 0x00, 0x81, 0x08 }, "above the allowed maximum 1000")]
    [DataRow(new byte[] { 0x0F, 0x03 }, "smaller than the 4 special tokens")]
    [DataRow(new byte[] { 0x00, 0x01, 0x00 }, "token 0 is empty")]
    [DataRow(new byte[] { 0x00, 0x01, 0x02, 0xC3, 0x28 }, "not well-formed UTF-8")]
    [DataRow(new byte[] { 0x00, 0x01, 0x03, 0xED, 0xA0, 0x80 }, "not well-formed UTF-8")]
    [DataRow(new byte[] { 0x00, 0x02, 0x01, 0x61, 0x01, 0x61 }, "token 1 \"a\" duplicates token 0")]
    [DataRow(new byte[] { 0x01, 0x01, 0x05, 0x3C, 0x75, 0x6E, 0x6B, 0x3E }, "where the special token \"<pad>\" belongs")]
    [DataRow(new byte[] { 0x00, 0x01, 0xFF, 0xFF, 0x01 }, "token 0 has 32767 UTF-8 bytes, more than the 10000 chars left")]
    public void ReadFrom_InvalidStructure_MessageSaysWhatIsWrong(byte[] body, string expected)
    {
        var error = Assert.ThrowsExactly<InvalidDataException>(() => Load(Record(body)));
        StringAssert.Contains(error.Message, expected);
    }

    [TestMethod]
    public void ReadFrom_BadMagicVersionOrChecksum_MessageSaysWhatIsWrong()
    {
        byte[] bytes = Save(Sample);
        byte[] magic = (byte[])bytes.Clone();
        magic[0] = 0x51;
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Load(magic)).Message, "magic");
        byte[] version = (byte[])bytes.Clone();
        version[4] = 2;
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Load(version)).Message, "version 2");
        byte[] checksum = (byte[])bytes.Clone();
        checksum[^1] ^= 1;
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Load(checksum)).Message, "checksum");
        var truncated = Assert.ThrowsExactly<InvalidDataException>(() => Load(bytes[..^1]));
        StringAssert.Contains(truncated.Message, "truncated");
    }

    [TestMethod]
    public void ReadFrom_Limits_AreInclusiveAndEnforced()
    {
        Vocabulary vocabulary = Vocabulary.FromTokens(["ab", "🙂"]);
        byte[] bytes = Save(vocabulary);
        int chars = vocabulary.Tokens.Sum(t => t.Length);
        Assert.AreEqual(vocabulary, Load(bytes, maxTokens: 6, maxChars: chars));
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Load(bytes, maxTokens: 5)).Message, "token count is 6");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Load(bytes, maxChars: chars - 1)).Message, "limit");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Load(bytes, maxTokens: -1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Load(bytes, maxChars: -1));
    }

    [TestMethod]
    public void ReadFrom_HugeDeclaredSizesInShortStream_FailFastWithoutLargeAllocation()
    {
        byte[] hugeCount = Record(0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x01, 0x61);
        byte[] hugeToken = Record(0x00, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x03, 0x61, 0x62);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.ThrowsExactly<InvalidDataException>(() => Load(hugeCount, int.MaxValue, int.MaxValue));
        Assert.ThrowsExactly<InvalidDataException>(() => Load(hugeToken, int.MaxValue, int.MaxValue));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.IsLessThan(4L << 20, allocated, $"allocated {allocated} bytes");
    }

    private static bool LoadsCanonicallyOrThrowsInvalidData(byte[] bytes, string label)
    {
        Vocabulary vocabulary;
        try
        {
            vocabulary = Load(bytes);
        }
        catch (InvalidDataException)
        {
            return false;
        }
        catch (Exception e)
        {
            Assert.Fail($"{label}: {e.GetType().Name} instead of InvalidDataException: {e.Message}");
            throw;
        }
        CollectionAssert.AreEqual(bytes, Save(vocabulary), $"{label}: a loaded vocabulary must re-serialise to the same bytes");
        Assert.AreEqual(vocabulary, Load(Save(vocabulary)), label);
        return true;
    }
}
