using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent.PluginTests;

[TestClass]
public sealed class RecurrentSequenceTaggingEstimatorTests
{
    public sealed class Sentence
    {
        [VectorType]
        public string[] Tokens { get; set; } = [];

        [VectorType]
        public string[] Label { get; set; } = [];
    }

    public sealed class Tagged
    {
        [VectorType]
        public string[] PredictedTags { get; set; } = [];
    }

    // DET ADJ* NOUN VERB (DET NOUN)?; "run" and "plans" are nouns or verbs by position.
    internal static List<Sentence> Sentences(int count, int seed)
    {
        var rng = new Random(seed);
        string[] det = ["the", "a", "every"], adj = ["small", "red", "old"], noun = ["dog", "plan", "run"], verb = ["sees", "plans", "runs"];
        return Enumerable.Range(0, count).Select(_ =>
        {
            var pairs = new List<(string, string)> { (det[rng.Next(3)], "DET") };
            for (int i = rng.Next(3); i > 0; i--)
            {
                pairs.Add((adj[rng.Next(3)], "ADJ"));
            }
            pairs.Add((noun[rng.Next(3)], "NOUN"));
            pairs.Add((verb[rng.Next(3)], "VERB"));
            if (rng.Next(2) == 0)
            {
                pairs.Add((det[rng.Next(3)], "DET"));
                pairs.Add((noun[rng.Next(3)], "NOUN"));
            }
            return new Sentence { Tokens = pairs.Select(p => p.Item1).ToArray(), Label = pairs.Select(p => p.Item2).ToArray() };
        }).ToList();
    }

    [TestMethod]
    public void Tagger_LearnsTags_AndPredictsTheSameAfterALoad()
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromEnumerable(Sentences(300, 1));
        var testRows = Sentences(50, 2);
        var model = ml.Transforms.Text.RecurrentTagger(new RecurrentSequenceTaggingEstimator.Options { Epochs = 8, HiddenSize = 16, EmbeddingSize = 16, MinTokenCount = 1, Seed = 1 }).Fit(train);
        var engine = ml.Model.CreatePredictionEngine<Sentence, Tagged>(model);
        int correct = 0, total = 0;
        foreach (var s in testRows)
        {
            var tags = engine.Predict(s).PredictedTags;
            Assert.AreEqual(s.Tokens.Length, tags.Length, "one tag per token");
            correct += tags.Zip(s.Label).Count(z => z.First == z.Second);
            total += tags.Length;
        }
        Assert.IsTrue(correct > 0.95 * total, $"token accuracy {(double)correct / total}");

        using var stream = new MemoryStream();
        ml.Model.Save(model, train.Schema, stream);
        stream.Position = 0;
        var loadedEngine = ml.Model.CreatePredictionEngine<Sentence, Tagged>(ml.Model.Load(stream, out _));
        foreach (var s in testRows.Take(10))
        {
            CollectionAssert.AreEqual(engine.Predict(s).PredictedTags, loadedEngine.Predict(s).PredictedTags);
        }
    }

    // Tags decided by a word's suffix alone, on stems never seen twice: only the characters can tell the tag of an unseen word.
    internal static List<Sentence> SuffixSentences(int count, int seed)
    {
        var rng = new Random(seed);
        (string Suffix, string Tag)[] kinds = [("ly", "ADV"), ("ing", "VERB"), ("ness", "NOUN")];
        return Enumerable.Range(0, count).Select(_ =>
        {
            var words = Enumerable.Range(0, rng.Next(1, 4)).Select(_ =>
            {
                var (suffix, tag) = kinds[rng.Next(kinds.Length)];
                string stem = new([.. Enumerable.Range(0, rng.Next(3, 6)).Select(_ => (char)('a' + rng.Next(26)))]);
                return (Word: stem + suffix, Tag: tag);
            }).ToArray();
            return new Sentence { Tokens = [.. words.Select(w => w.Word)], Label = [.. words.Select(w => w.Tag)] };
        }).ToList();
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void Tagger_UnseenWords_AreTaggedByTheirCharactersOnlyWithCharacterAwareWords(bool characterAware)
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromEnumerable(SuffixSentences(300, 1));
        var model = ml.Transforms.Text.RecurrentTagger(new RecurrentSequenceTaggingEstimator.Options
        {
            Epochs = 6, HiddenSize = 12, EmbeddingSize = 8, CharacterEmbeddingSize = 8, CharacterFilters = 12, Seed = 1, CharacterAwareWords = characterAware,
        }).Fit(train);
        using var stream = new MemoryStream();
        ml.Model.Save(model, train.Schema, stream);
        stream.Position = 0;
        var engine = ml.Model.CreatePredictionEngine<Sentence, Tagged>(ml.Model.Load(stream, out _));
        var test = SuffixSentences(60, 2);
        int correct = test.Sum(s => engine.Predict(s).PredictedTags.Zip(s.Label).Count(z => z.First == z.Second));
        double accuracy = (double)correct / test.Sum(s => s.Tokens.Length);
        // Three tags in equal shares: a tagger that sees every unseen word as UNK is near chance.
        Assert.IsTrue(characterAware ? accuracy > 0.9 : accuracy < 0.6, $"character-aware {characterAware}: accuracy {accuracy:F3} on unseen words");
    }

    [TestMethod]
    public void Tagger_MismatchedTags_ThrowsNamingTheRow()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Sentence { Tokens = ["a", "dog"], Label = ["DET"] } });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.Text.RecurrentTagger().Fit(data)).Message, "Row 0 has 2 tokens");
    }
}
