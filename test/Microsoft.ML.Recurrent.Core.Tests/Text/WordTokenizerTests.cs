using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.Tests.Text;

[TestClass]
public sealed class WordTokenizerTests
{
    private static string[] Tokenize(string text, bool lowerCase = true, PunctuationHandling punctuation = PunctuationHandling.Split) =>
        new WordTokenizer(new WordTokenizerOptions { LowerCase = lowerCase, Punctuation = punctuation }).Tokenize(text);

    [TestMethod]
    public void Tokenize_Defaults_LowerCasesAndSplitsPunctuation()
    {
        CollectionAssert.AreEqual(new[] { "hello", ",", "world", "!", "it's", "great", ".", ".", "." },
            new WordTokenizer().Tokenize("Hello, World! It's GREAT..."));
    }

    [TestMethod]
    public void Tokenize_PunctuationDrop_RemovesPunctuationAndSeparatesAtIt()
    {
        CollectionAssert.AreEqual(new[] { "hi", "you", "and", "me" }, Tokenize("hi, you!(and)me --", punctuation: PunctuationHandling.Drop));
    }

    [TestMethod]
    public void Tokenize_PunctuationAttach_SplitsOnWhitespaceOnly()
    {
        CollectionAssert.AreEqual(new[] { "hi,", "you!(and)me", "--" }, Tokenize("hi, you!(and)me --", punctuation: PunctuationHandling.Attach));
    }

    [TestMethod]
    public void Tokenize_LowerCaseOff_KeepsCase()
    {
        CollectionAssert.AreEqual(new[] { "Hello", "WORLD", "İstanbul" }, Tokenize("Hello WORLD İstanbul", lowerCase: false));
    }

    [TestMethod]
    public void Tokenize_LowerCase_IsCultureInvariant()
    {
        var previous = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("tr-TR");
            CollectionAssert.AreEqual(new[] { "title", "émile" }, Tokenize("TITLE Émile"));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
    }

    [TestMethod]
    public void Tokenize_Numbers_StayWholeTokens()
    {
        CollectionAssert.AreEqual(new[] { "pi", "is", "3.14", ",", "not", "1,000", "or", "42", "%", "in", "2024", "." },
            Tokenize("Pi is 3.14, not 1,000 or 42% in 2024."));
        CollectionAssert.AreEqual(new[] { "-", "5", "x2", "7" }, Tokenize("-5 x2 7"));
    }

    [TestMethod]
    public void Tokenize_UnicodeWhitespace_SeparatesWords()
    {
        CollectionAssert.AreEqual(new[] { "a", "b", "c", "d", "e", "f" }, Tokenize("a\u00A0b\u2003c\u0085d\u2028e\r\n\tf"));
    }

    [TestMethod]
    public void Tokenize_UnicodePunctuationAndEmoji_SplitsPunctuationKeepsEmojiInWord()
    {
        CollectionAssert.AreEqual(new[] { "«", "naïve", "»", "—", "great🙂", "¿", "sí", "?" }, Tokenize("«naïve» — great🙂 ¿sí?"));
    }

    [TestMethod]
    public void Tokenize_EmptyAndWhitespaceOnly_GiveEmptySequence()
    {
        Assert.IsEmpty(new WordTokenizer().Tokenize(""));
        Assert.IsEmpty(new WordTokenizer().Tokenize(" \t\n\u00A0 "));
        Assert.IsEmpty(Tokenize("... !", punctuation: PunctuationHandling.Drop));
    }

    [TestMethod]
    public void Detokenize_JoinsWithSpaces_RoundTripsNormalisedText()
    {
        var tokenizer = new WordTokenizer();
        string[] tokens = tokenizer.Tokenize("héllo  🙂\tnaïve , ok");
        Assert.AreEqual("héllo 🙂 naïve , ok", tokenizer.Detokenize(tokens));
        CollectionAssert.AreEqual(tokens, tokenizer.Tokenize(tokenizer.Detokenize(tokens)));
        Assert.AreEqual("", tokenizer.Detokenize([]));
    }

    [TestMethod]
    public void Constructor_InvalidOptions_Throw()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new WordTokenizer(new WordTokenizerOptions { Punctuation = (PunctuationHandling)3 }));
        Assert.ThrowsExactly<ArgumentNullException>(() => new WordTokenizer().Tokenize(null!));
        Assert.ThrowsExactly<ArgumentNullException>(() => new WordTokenizer().Detokenize(["a", null!]));
    }
}
