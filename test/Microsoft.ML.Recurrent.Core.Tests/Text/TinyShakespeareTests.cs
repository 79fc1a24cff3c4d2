using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.Tests.Text;

[TestClass]
public sealed class TinyShakespeareTests
{
    [TestMethod]
    public void CharacterVocabulary_TinyShakespeare_Has65Symbols()
    {
        string text = File.ReadAllText(SharedData.RequireFile(Path.Combine("tinyshakespeare", "input.txt")));
        var tokenizer = new CharacterTokenizer();
        string[] tokens = tokenizer.Tokenize(text);

        Vocabulary vocabulary = Vocabulary.Build([tokens], new VocabularyOptions { SpecialTokens = SpecialTokens.None });

        Assert.AreEqual(1_115_394, tokens.Length);
        Assert.AreEqual(65, vocabulary.Count);
        Assert.AreEqual(" ", vocabulary.GetToken(0), "space is the most frequent character");
        Assert.AreEqual(text, tokenizer.Detokenize(vocabulary.Decode(vocabulary.Encode(tokens))));
    }

    [TestMethod]
    public void WordVocabulary_TinyShakespeare_CapsAtMaxSizeAndSurvivesSaving()
    {
        string text = File.ReadAllText(SharedData.RequireFile(Path.Combine("tinyshakespeare", "input.txt")));
        string[] words = new WordTokenizer().Tokenize(text);
        Vocabulary vocabulary = Vocabulary.Build([words], new VocabularyOptions { MaxSize = 5000 });

        Assert.AreEqual(5000, vocabulary.Count);
        Assert.AreEqual(Vocabulary.PadToken, vocabulary.GetToken(0));
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            vocabulary.WriteTo(writer);
        }
        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        Assert.AreEqual(vocabulary, Vocabulary.ReadFrom(reader, 5000, 100_000));
    }
}
