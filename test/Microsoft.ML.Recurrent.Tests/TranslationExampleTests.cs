using System.Globalization;
using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.PluginTests;

/// <summary>
/// The Translation example's BLEU, tokenizer and split (its source files are compiled into this project), checked
/// against cases worked out by hand, and the example run as a user runs it.
/// </summary>
[TestClass]
public sealed class TranslationExampleTests
{
    private static string[] T(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static BleuScore Score(params (string Hypothesis, string[] References)[] sentences) =>
        Bleu.Corpus([.. sentences.Select(s => T(s.Hypothesis))], [.. sentences.Select(s => (IReadOnlyList<string[]>)[.. s.References.Select(T)])]);

    [TestMethod]
    public void Corpus_HypothesisEqualsReference_Is100()
    {
        var score = Score(("the cat sat on the mat", ["the cat sat on the mat"]));
        Assert.AreEqual(100, score.Score, 1e-9);
        Assert.AreEqual(1, score.BrevityPenalty);
    }

    [TestMethod]
    public void Corpus_RepeatedWord_CountIsClippedByTheMostInAnyOneReference()
    {
        // Papineni et al.'s example: "the" is 7 times in the output, at most 2 times in one reference -> p1 = 2/7; no bigram matches.
        var score = Score(("the the the the the the the", ["the cat is on the mat", "there is a cat on the mat"]));
        Assert.AreEqual(2.0 / 7, score.Precisions[0], 1e-12);
        Assert.AreEqual(0, score.Precisions[1]);
        Assert.AreEqual(0, score.Score, "an order without any match makes BLEU 0 (no smoothing)");
    }

    [TestMethod]
    public void Corpus_ClippingAcrossReferences_TakesEachNGramsMaximumOverTheReferences()
    {
        // "the" twice (reference 2 has it twice), "the the" from reference 2 and "the cat" from reference 1.
        var score = Score(("the the cat", ["the cat", "the the dog"]));
        CollectionAssert.AreEqual(new[] { 1.0, 1.0, 0.0, 0.0 }, score.Precisions);
    }

    [TestMethod]
    public void Corpus_TwoSentences_SumsCountsAndLengthsBeforeTakingPrecisions()
    {
        // Sentence 1: matches 4/5, 3/4, 2/3, 1/2; sentence 2: 2/2, 1/1, 0/0, 0/0. Corpus: 6/7, 4/5, 2/3, 1/2;
        // c = 7, r = 5 + 4 = 9, BP = exp(1 - 9/7).
        var score = Score(("a b c d e", ["a b c d f"]), ("x y", ["x y z w"]));
        CollectionAssert.AreEqual(new[] { 6.0 / 7, 4.0 / 5, 2.0 / 3, 1.0 / 2 }, score.Precisions);
        Assert.AreEqual((7L, 9L), (score.HypothesisLength, score.ReferenceLength));
        double expected = 100 * Math.Exp(1 - 9.0 / 7) * Math.Pow(6.0 / 7 * 4.0 / 5 * 2.0 / 3 * 1.0 / 2, 0.25);
        Assert.AreEqual(expected, score.Score, 1e-9);
    }

    [TestMethod]
    public void Corpus_OneSentenceOneDifference_MatchesTheHandValue()
    {
        // p = 4/5, 3/4, 2/3, 1/2 and BP 1: BLEU = 100 * (1/5)^(1/4) = 66.87.
        Assert.AreEqual(100 * Math.Pow(0.2, 0.25), Score(("a b c d e", ["a b c d f"])).Score, 1e-9);
    }

    [TestMethod]
    public void Corpus_SeveralReferences_BrevityPenaltyUsesTheClosestReferenceLength()
    {
        // Output of 4 words; references of 1, 6 and 9 words: 6 is closest, so r = 6 and BP = exp(1 - 6/4).
        var score = Score(("a b c d", ["a", "a b c d e f", "a b c d e f g h i"]));
        Assert.AreEqual(6, score.ReferenceLength);
        Assert.AreEqual(Math.Exp(1 - 6.0 / 4), score.BrevityPenalty, 1e-12);
    }

    [TestMethod]
    public void ClosestLength_TwoEquallyClose_TakesTheShorter()
    {
        Assert.AreEqual(3, Bleu.ClosestLength(4, [T("a b c d e"), T("a b c")]));
        Assert.AreEqual(1, Score(("a b c d", ["a b c d e", "a b c"])).BrevityPenalty, "c = 4 > r = 3: no penalty");
    }

    [TestMethod]
    public void Corpus_NoMatchOrEmptyOutput_IsZero()
    {
        Assert.AreEqual(0, Score(("q r s t", ["a b c d"])).Score);
        var empty = Score(("", ["a b c d"]));
        Assert.AreEqual((0.0, 0.0, 0L, 4L), (empty.Score, empty.BrevityPenalty, empty.HypothesisLength, empty.ReferenceLength));
    }

    [TestMethod]
    [DataRow("Je t\u2019aime\u202F!", "je|t'aime|!")]
    [DataRow("Qu'est-ce que c'est\u00A0?", "qu'est-ce|que|c'est|?")]
    [DataRow("\u00AB\u00A0Oui\u00A0\u00BB, dit-il.", "\u00AB|oui|\u00BB|,|dit-il|.")]
    [DataRow("J'ai 3,5 euros... en 1990-2000.", "j'ai|3,5|euros|.|.|.|en|1990|-|2000|.")]
    [DataRow("\"Go!\" (he said)", "\"|go|!|\"|(|he|said|)")]
    public void Tokenize_SacreBleu13aRules_LowerCasedWords(string text, string expected)
    {
        CollectionAssert.AreEqual(expected.Split('|'), TranslationText.Tokenize(text));
    }

    [TestMethod]
    public void Split_EveryFiftiethEnglishSentence_HoldsOutAllItsTranslationsAndNothingElse()
    {
        // 60 distinct sentences; sentence 7 has a second translation far from its first: both are held out, and only
        // sentences 7 and 57 are.
        var pairs = Enumerable.Range(1, 60).Select(i => ($"s{i}", $"f{i}")).ToList();
        pairs.Add(("s7", "f7b"));
        var (train, heldOut) = TranslationText.Split(pairs);
        CollectionAssert.AreEqual(new[] { ("s7", "f7"), ("s57", "f57"), ("s7", "f7b") }, heldOut);
        Assert.HasCount(58, train);
        var groups = TranslationText.Group(heldOut);
        Assert.AreEqual(("s7", 2), (groups[0].English, groups[0].References.Count));
    }

    [TestMethod]
    public void RecurrentSequenceToSequence_EnglishToFrenchWords_ZipReloadsWithIdenticalTranslationsAndAttention()
    {
        // Translation through ML.NET: word tokens on both sides (the plugin's tokenizer), 400 pairs of the shipped sample.
        var pairs = File.ReadLines(Path.Combine(ExampleProcess.RepositoryRoot, "examples", "Translation", "Data", "sample-eng-fra.tsv"))
            .Take(400).Select(l => l.Split('\t')).Select(p => new RecurrentSequenceToSequenceEstimatorTests.Pair { Text = p[0], Label = p[1] }).ToList();
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(pairs);
        var model = ml.Transforms.Text.RecurrentSequenceToSequence(new RecurrentSequenceToSequenceEstimator.Options
        {
            SourceTokens = TokenizerKind.Word, TargetTokens = TokenizerKind.Word, HiddenSize = 32, EmbeddingSize = 16, Epochs = 3,
            BatchSize = 32, AttentionColumnName = "Attention", Seed = 1,
        }).Fit(data);
        var test = ml.Data.LoadFromEnumerable(pairs.Where((_, i) => i % 80 == 0).ToList());
        var translated = ml.Data.CreateEnumerable<RecurrentSequenceToSequenceEstimatorTests.Spelled>(model.Transform(test), reuseRowObject: false).ToList();
        string path = Path.Combine(Path.GetTempPath(), $"eng-fra-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, data.Schema, path);
            var loaded = new MLContext().Model.Load(path, out _);
            var again = new MLContext().Data.CreateEnumerable<RecurrentSequenceToSequenceEstimatorTests.Spelled>(loaded.Transform(test), reuseRowObject: false).ToList();
            Assert.HasCount(5, again);
            for (int i = 0; i < translated.Count; i++)
            {
                Assert.AreEqual(translated[i].PredictedText, again[i].PredictedText);
                CollectionAssert.AreEqual(translated[i].Attention, again[i].Attention);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void Translation_NoArguments_TrainsOnTheShippedSampleAndEndsWithBleu()
    {
        string dir = Directory.CreateTempSubdirectory("recurrent-translation-").FullName;
        try
        {
            var (exitCode, output, error) = ExampleProcess.Run("Translation", dir);
            Assert.AreEqual(0, exitCode, error);
            string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.StartsWith("bleu: ", lines[^1]);
            Assert.StartsWith("BLEU = ", lines[^2]);
            double bleu = double.Parse(lines[^1]["bleu: ".Length..], CultureInfo.InvariantCulture);
            Assert.IsTrue(bleu is >= 0 and <= 100, output);
            StringAssert.Contains(output, "references: ", "examples are shown with their references and attention");
            Assert.IsTrue(File.Exists(Path.Combine(dir, "artifacts", "Translation", "eng-fra.s2smodel")), "the model goes to artifacts/ under the current folder");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
