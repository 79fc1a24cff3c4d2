using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.Tests.Text;

[TestClass]
public sealed class TextSequencerTests
{
    internal static readonly string[] Texts = ["The cat sat.", "The dog sat!", "A cat, a dog."];

    [TestMethod]
    public void EncodeDecode_WordSequencer_MapsUnknownsAndFramesWithBosEos()
    {
        var sequencer = TextSequencer.Build(Texts, new WordTokenizer());
        int[] ids = sequencer.Encode("The cow sat.", addBegin: true, addEnd: true);

        Assert.AreEqual(sequencer.Vocabulary.BeginId, ids[0]);
        Assert.AreEqual(sequencer.Vocabulary.UnknownId, ids[2]);
        Assert.AreEqual(sequencer.Vocabulary.EndId, ids[^1]);
        Assert.AreEqual("the sat .", sequencer.Decode(ids));
        Assert.AreEqual("<bos> the <unk> sat . <eos>", sequencer.Decode(ids, skipSpecial: false));
    }

    [TestMethod]
    public void EncodeDecode_CharacterSequencer_RoundTripsKnownText()
    {
        var sequencer = TextSequencer.Build(["héllo 🙂 naïve"], new CharacterTokenizer());
        Assert.AreEqual("naïve 🙂", sequencer.Decode(sequencer.Encode("naïve 🙂")));
        Assert.IsEmpty(sequencer.Encode(""));
    }

    [TestMethod]
    public void ReadFrom_SavedSequencer_EncodesIdentically()
    {
        var sequencer = TextSequencer.Build(Texts, new WordTokenizer(new WordTokenizerOptions { LowerCase = false }),
            new VocabularyOptions { SpecialTokens = SpecialTokens.Pad | SpecialTokens.Unknown });
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            sequencer.WriteTo(writer);
        }
        byte[] bytes = stream.ToArray();
        using var reader = new BinaryReader(new MemoryStream(bytes));
        TextSequencer loaded = TextSequencer.ReadFrom(reader, 100, 1000);

        Assert.AreEqual(sequencer.Vocabulary, loaded.Vocabulary);
        CollectionAssert.AreEqual(sequencer.Encode("The cat, a Dog!"), loaded.Encode("The cat, a Dog!"));
        for (int length = 0; length < bytes.Length; length++)
        {
            using var truncated = new BinaryReader(new MemoryStream(bytes[..length]));
            Assert.ThrowsExactly<InvalidDataException>(() => TextSequencer.ReadFrom(truncated, 100, 1000), $"truncated to {length}");
        }
    }

    [TestMethod]
    public void Build_NullText_Throws()
    {
        Assert.ThrowsExactly<ArgumentException>(() => TextSequencer.Build(["a", null!], new WordTokenizer()));
        Assert.ThrowsExactly<ArgumentNullException>(() => new TextSequencer(new WordTokenizer(), null!));
    }
}
