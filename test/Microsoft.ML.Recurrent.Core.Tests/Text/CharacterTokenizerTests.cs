using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.Tests.Text;

[TestClass]
public sealed class CharacterTokenizerTests
{
    internal const string Mixed = "héllo 🙂 naïve";

    [TestMethod]
    [DataRow(CharacterUnit.TextElement)]
    [DataRow(CharacterUnit.CodePoint)]
    public void Tokenize_EmojiAndDiacritics_RoundTripsThroughIds(CharacterUnit unit)
    {
        var tokenizer = new CharacterTokenizer(unit);
        string[] tokens = tokenizer.Tokenize(Mixed);
        Vocabulary vocabulary = Vocabulary.Build([tokens]);

        int[] ids = vocabulary.Encode(tokens);
        string back = tokenizer.Detokenize(vocabulary.Decode(ids));

        Assert.AreEqual(Mixed, back);
        Assert.AreEqual(13, tokens.Length, "precomposed é and ï, and the emoji (a surrogate pair) are one token each");
        CollectionAssert.Contains(tokens, "🙂");
        Assert.IsFalse(ids.Contains(vocabulary.UnknownId));
    }

    [TestMethod]
    public void Tokenize_CombiningMarks_TextElementKeepsClusterCodePointSplitsIt()
    {
        const string decomposed = "e\u0301te\u0301 n\u0303";
        string[] elements = new CharacterTokenizer().Tokenize(decomposed);
        string[] codePoints = new CharacterTokenizer(CharacterUnit.CodePoint).Tokenize(decomposed);

        CollectionAssert.AreEqual(new[] { "e\u0301", "t", "e\u0301", " ", "n\u0303" }, elements);
        CollectionAssert.AreEqual(new[] { "e", "\u0301", "t", "e", "\u0301", " ", "n", "\u0303" }, codePoints);
        Assert.AreEqual(decomposed, new CharacterTokenizer().Detokenize(elements));
        Assert.AreEqual(decomposed, new CharacterTokenizer(CharacterUnit.CodePoint).Detokenize(codePoints));
    }

    [TestMethod]
    public void Tokenize_SurrogatePairsAndZwjSequence_NeverSplitsAPair()
    {
        const string text = "a👩‍👩‍👧b🇫🇷𝄞";
        string[] elements = new CharacterTokenizer().Tokenize(text);
        string[] codePoints = new CharacterTokenizer(CharacterUnit.CodePoint).Tokenize(text);

        CollectionAssert.AreEqual(new[] { "a", "👩‍👩‍👧", "b", "🇫🇷", "𝄞" }, elements);
        Assert.AreEqual(10, codePoints.Length);
        foreach (string token in codePoints)
        {
            Assert.IsFalse(token.Length == 1 && char.IsSurrogate(token[0]), $"split surrogate in {token}");
        }
        Assert.AreEqual(text, string.Concat(codePoints));
    }

    [TestMethod]
    [DataRow(CharacterUnit.TextElement)]
    [DataRow(CharacterUnit.CodePoint)]
    public void Tokenize_EmptyString_GivesEmptySequence(CharacterUnit unit)
    {
        var tokenizer = new CharacterTokenizer(unit);
        Assert.IsEmpty(tokenizer.Tokenize(""));
        Assert.AreEqual("", tokenizer.Detokenize([]));
    }

    [TestMethod]
    public void Tokenize_WhitespaceOnly_KeepsEveryWhitespaceCharacter()
    {
        const string text = " \t\u00A0\n ";
        string[] tokens = new CharacterTokenizer().Tokenize(text);
        Assert.HasCount(5, tokens);
        Assert.AreEqual(text, new CharacterTokenizer().Detokenize(tokens));
    }

    [TestMethod]
    public void Tokenize_LoneSurrogate_BecomesReplacementCharacter()
    {
        string[] tokens = new CharacterTokenizer(CharacterUnit.CodePoint).Tokenize("a\uD800b");
        CollectionAssert.AreEqual(new[] { "a", "\uFFFD", "b" }, tokens);
        CollectionAssert.AreEqual(new[] { "\uFFFD", "x" }, new CharacterTokenizer().Tokenize("\uDC00x"));
    }

    [TestMethod]
    public void Constructor_UnknownUnit_Throws()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CharacterTokenizer((CharacterUnit)7));
        Assert.ThrowsExactly<ArgumentNullException>(() => new CharacterTokenizer().Tokenize(null!));
    }
}
