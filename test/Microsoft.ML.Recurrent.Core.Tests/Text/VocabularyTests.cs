using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.Tests.Text;

[TestClass]
public sealed class VocabularyTests
{
    // Counts: the 5, cat 3, sat 3, a 2, mat 2, on 1, zebra 1.
    internal static readonly string[][] Corpus =
    [
        ["the", "cat", "sat", "on", "the", "mat"],
        ["the", "cat", "sat", "a", "the"],
        ["zebra", "a", "mat", "cat", "sat", "the"],
    ];

    [TestMethod]
    public void Build_Defaults_SpecialsFirstThenByFrequencyThenOrdinal()
    {
        Vocabulary vocabulary = Vocabulary.Build(Corpus);

        CollectionAssert.AreEqual(
            new[] { "<pad>", "<unk>", "<bos>", "<eos>", "the", "cat", "sat", "a", "mat", "on", "zebra" },
            vocabulary.Tokens.ToArray());
        Assert.AreEqual(0, vocabulary.PadId);
        Assert.AreEqual(1, vocabulary.UnknownId);
        Assert.AreEqual(2, vocabulary.BeginId);
        Assert.AreEqual(3, vocabulary.EndId);
        Assert.AreEqual(4, vocabulary.SpecialCount);
        Assert.AreEqual(11, vocabulary.Count);
    }

    [TestMethod]
    public void Build_MinCount_DropsRareTokens()
    {
        Vocabulary vocabulary = Vocabulary.Build(Corpus, new VocabularyOptions { MinCount = 2 });
        Assert.AreEqual(9, vocabulary.Count);
        Assert.IsFalse(vocabulary.Contains("on"));
        Assert.IsFalse(vocabulary.Contains("zebra"));
        Assert.IsTrue(vocabulary.Contains("mat"));
    }

    [TestMethod]
    public void Build_MaxSize_KeepsMostFrequentWithOrdinalTieBreak()
    {
        Vocabulary vocabulary = Vocabulary.Build(Corpus, new VocabularyOptions { MaxSize = 6 });
        CollectionAssert.AreEqual(new[] { "<pad>", "<unk>", "<bos>", "<eos>", "the", "cat" }, vocabulary.Tokens.ToArray());

        // "a" and "mat" tie at 2, "B" < "a" ordinally: order never depends on input order or culture.
        string[][] ties = [["mat", "b", "a", "B", "mat", "a", "b", "B"]];
        Vocabulary fromTies = Vocabulary.Build(ties, new VocabularyOptions { SpecialTokens = SpecialTokens.None, MaxSize = 3 });
        CollectionAssert.AreEqual(new[] { "B", "a", "b" }, fromTies.Tokens.ToArray());
        Vocabulary reversed = Vocabulary.Build([ties[0].Reverse()], new VocabularyOptions { SpecialTokens = SpecialTokens.None, MaxSize = 3 });
        Assert.AreEqual(fromTies, reversed);
    }

    [TestMethod]
    public void Build_SubsetOfSpecials_KeepsTheirOrderFromZero()
    {
        Vocabulary vocabulary = Vocabulary.Build(Corpus,
            new VocabularyOptions { SpecialTokens = SpecialTokens.Unknown | SpecialTokens.EndOfSequence });
        Assert.AreEqual(-1, vocabulary.PadId);
        Assert.AreEqual(0, vocabulary.UnknownId);
        Assert.AreEqual(-1, vocabulary.BeginId);
        Assert.AreEqual(1, vocabulary.EndId);
        Assert.AreEqual("<eos>", vocabulary.GetToken(1));
        Assert.AreEqual("the", vocabulary.GetToken(2));
    }

    [TestMethod]
    public void Build_DataContainsSpecialText_MapsToTheSpecialToken()
    {
        Vocabulary vocabulary = Vocabulary.Build([["<unk>", "x", "<pad>"]], new VocabularyOptions { SpecialTokens = SpecialTokens.Unknown });
        CollectionAssert.AreEqual(new[] { "<unk>", "<pad>", "x" }, vocabulary.Tokens.ToArray());
    }

    [TestMethod]
    public void Build_InvalidInput_ThrowsNamingTheProblem()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Vocabulary.Build(Corpus, new VocabularyOptions { MinCount = 0 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Vocabulary.Build(Corpus, new VocabularyOptions { MaxSize = 3 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Vocabulary.Build(Corpus, new VocabularyOptions { SpecialTokens = (SpecialTokens)16 }));
        Assert.ThrowsExactly<ArgumentException>(() => Vocabulary.Build([["a", ""]]));
        Assert.ThrowsExactly<ArgumentException>(() => Vocabulary.Build([["a", null!]]));
        Assert.ThrowsExactly<ArgumentException>(() => Vocabulary.Build([null!]));
        var lone = Assert.ThrowsExactly<ArgumentException>(() => Vocabulary.Build([["a\uD800"]]));
        StringAssert.Contains(lone.Message, "U+D800");
        Assert.ThrowsExactly<ArgumentException>(() => Vocabulary.FromTokens(["a", "b", "a"]));
        Assert.ThrowsExactly<ArgumentException>(() => Vocabulary.FromTokens(["<eos>"]));
    }

    [TestMethod]
    public void Build_EmptyData_HasOnlySpecials()
    {
        Assert.AreEqual(4, Vocabulary.Build([]).Count);
        Assert.AreEqual(0, Vocabulary.Build([[]], new VocabularyOptions { SpecialTokens = SpecialTokens.None }).Count);
    }

    [TestMethod]
    public void Lookups_BothWays_AreConsistent()
    {
        Vocabulary vocabulary = Vocabulary.Build(Corpus);
        for (int id = 0; id < vocabulary.Count; id++)
        {
            string token = vocabulary.GetToken(id);
            Assert.AreEqual(id, vocabulary.GetId(token));
            Assert.IsTrue(vocabulary.TryGetId(token, out int found));
            Assert.AreEqual(id, found);
            Assert.IsTrue(vocabulary.Contains(token));
            Assert.AreEqual(id < 4, vocabulary.IsSpecial(id));
        }
        Assert.IsFalse(vocabulary.TryGetId("dog", out int missing));
        Assert.AreEqual(-1, missing);
        Assert.IsFalse(vocabulary.Contains("The"), "lookups are ordinal and case-sensitive");
    }

    [TestMethod]
    public void Encode_UnknownTokens_MapToUnknownWithoutThrowing()
    {
        Vocabulary vocabulary = Vocabulary.Build(Corpus);
        CollectionAssert.AreEqual(new[] { 4, 1, 5, 1 }, vocabulary.Encode(["the", "dog", "cat", "🙂"]));
        Assert.AreEqual(1, vocabulary.GetId("a\uD800"));
        CollectionAssert.AreEqual(new[] { 2, 4, 1, 3 }, vocabulary.Encode(["the", "dog"], addBegin: true, addEnd: true));
        Assert.IsEmpty(vocabulary.Encode([]));
    }

    [TestMethod]
    public void Encode_UnknownWithoutUnk_ThrowsNamingTheToken()
    {
        Vocabulary vocabulary = Vocabulary.Build(Corpus, new VocabularyOptions { SpecialTokens = SpecialTokens.Pad });
        var error = Assert.ThrowsExactly<ArgumentException>(() => vocabulary.Encode(["the", "dog"]));
        StringAssert.Contains(error.Message, "\"dog\"");
        Assert.ThrowsExactly<InvalidOperationException>(() => vocabulary.Encode(["the"], addBegin: true, addEnd: false));
    }

    [TestMethod]
    public void Decode_IdsBackToTokens_OptionallySkippingSpecials()
    {
        Vocabulary vocabulary = Vocabulary.Build(Corpus);
        int[] ids = vocabulary.Encode(["the", "dog", "sat"], addBegin: true, addEnd: true);
        CollectionAssert.AreEqual(new[] { "<bos>", "the", "<unk>", "sat", "<eos>" }, vocabulary.Decode(ids));
        CollectionAssert.AreEqual(new[] { "the", "sat" }, vocabulary.Decode(ids, skipSpecial: true));
    }

    [TestMethod]
    public void Decode_OutOfRangeId_ThrowsNamingIdAndRange()
    {
        Vocabulary vocabulary = Vocabulary.Build(Corpus);
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => vocabulary.Decode([4, 11]));
        StringAssert.Contains(error.Message, "Id 11 at position 1");
        StringAssert.Contains(error.Message, "0..10");
        Assert.AreEqual("ids", error.ParamName);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => vocabulary.Decode([-1]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => vocabulary.GetToken(11));
    }

    [TestMethod]
    public void Equals_SameTokensAndSpecials_AreEqual()
    {
        Vocabulary a = Vocabulary.Build(Corpus);
        Vocabulary b = Vocabulary.FromTokens(["the", "cat", "sat", "a", "mat", "on", "zebra"]);
        Assert.AreEqual(a, b);
        Assert.AreEqual(a.GetHashCode(), b.GetHashCode());
        Assert.AreNotEqual(a, Vocabulary.FromTokens(["the", "cat"]));
        Assert.AreNotEqual(Vocabulary.FromTokens(["x"], SpecialTokens.None), Vocabulary.FromTokens(["x"], SpecialTokens.Pad));
    }
}
