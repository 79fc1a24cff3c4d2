using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.Tests.Text;

[TestClass]
public sealed class TokenizerSerializationTests
{
    public static IEnumerable<object[]> Tokenizers =>
    [
        [new CharacterTokenizer()],
        [new CharacterTokenizer(CharacterUnit.CodePoint)],
        [new WordTokenizer()],
        [new WordTokenizer(new WordTokenizerOptions { LowerCase = false, Punctuation = PunctuationHandling.Drop })],
        [new WordTokenizer(new WordTokenizerOptions { Punctuation = PunctuationHandling.Attach })],
    ];

    internal static byte[] Save(ITokenizer tokenizer)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            tokenizer.WriteTo(writer);
        }
        return stream.ToArray();
    }

    private static ITokenizer Load(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        return Tokenizer.ReadFrom(reader);
    }

    [TestMethod]
    [DynamicData(nameof(Tokenizers))]
    public void ReadFrom_SavedTokenizer_RecreatesKindAndOptions(ITokenizer tokenizer)
    {
        ITokenizer loaded = Load(Save(tokenizer));
        Assert.AreEqual(tokenizer.GetType(), loaded.GetType());
        Assert.AreEqual(tokenizer.Kind, loaded.Kind);
        Assert.AreEqual(tokenizer.ToString(), loaded.ToString());
        const string sample = "Héllo, wörld! e\u0301 3.14 🙂";
        CollectionAssert.AreEqual(tokenizer.Tokenize(sample), loaded.Tokenize(sample));
    }

    [TestMethod]
    [DynamicData(nameof(Tokenizers))]
    public void ReadFrom_EveryTruncationAndByteFlip_ThrowsInvalidData(ITokenizer tokenizer)
    {
        byte[] bytes = Save(tokenizer);
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.ThrowsExactly<InvalidDataException>(() => Load(bytes[..length]), $"truncated to {length}");
        }
        for (int i = 0; i < bytes.Length; i++)
        {
            foreach (byte mask in new byte[] { 0x01, 0x80, 0xFF })
            {
                byte[] corrupted = (byte[])bytes.Clone();
                corrupted[i] ^= mask;
                Assert.ThrowsExactly<InvalidDataException>(() => Load(corrupted), $"byte {i} ^ 0x{mask:X2}");
            }
        }
    }

    [TestMethod]
    public void ReadFrom_UnknownKind_MessageSaysWhatIsWrong()
    {
        byte[] bytes = Save(new CharacterTokenizer());
        bytes[5] = 9;
        var error = Assert.ThrowsExactly<InvalidDataException>(() => Load(bytes));
        StringAssert.Contains(error.Message, "kind 9");
    }

    [TestMethod]
    public void ReadFrom_RecordsBackToBack_LeavesReaderAfterEachRecord()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            new WordTokenizer().WriteTo(writer);
            Vocabulary.FromTokens(["a"]).WriteTo(writer);
            new CharacterTokenizer(CharacterUnit.CodePoint).WriteTo(writer);
            writer.Write(12345);
        }
        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        Assert.IsInstanceOfType<WordTokenizer>(Tokenizer.ReadFrom(reader));
        Assert.AreEqual(Vocabulary.FromTokens(["a"]), Vocabulary.ReadFrom(reader, 10, 100));
        Assert.AreEqual(CharacterUnit.CodePoint, ((CharacterTokenizer)Tokenizer.ReadFrom(reader)).Unit);
        Assert.AreEqual(12345, reader.ReadInt32());
    }
}
