using System.Diagnostics;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Text;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.RealData;

/// <summary>Training on the real data sets in ../shared/data with small budgets; inconclusive where the data is absent.</summary>
[TestClass]
public sealed class RealDataTrainingTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [TestCategory("Slow")]
    public void Classifier_TrainedOnYelp_BeatsChanceOnImdb()
    {
        var yelp = SentimentFile.Read(SharedData.RequireFile("uci-sentiment-sentences/yelp_labelled.txt"));
        var imdb = SentimentFile.Read(SharedData.RequireFile("uci-sentiment-sentences/imdb_labelled.txt"));
        var sequencer = TextSequencer.Build(yelp.Select(r => r.Text), new WordTokenizer(), new VocabularyOptions { SpecialTokens = SpecialTokens.Pad | SpecialTokens.Unknown });
        SequenceExample Encode((string Text, int Label) r)
        {
            int[] ids = sequencer.Encode(r.Text);
            return SequenceExample.ForClassification(ids.Length == 0 ? [sequencer.Vocabulary.UnknownId] : ids, r.Label);
        }
        var train = yelp.Select(Encode).ToList();
        var test = imdb.Select(Encode).ToList();
        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.Classification, VocabularySize = sequencer.Vocabulary.Count, EmbeddingSize = 32,
            Cell = RecurrentCellKind.Lstm, HiddenSize = 32, Bidirectional = true, Pooling = SequencePooling.Max, OutputSize = 2,
        }, seed: 1);
        var clock = Stopwatch.StartNew();
        new SequenceTrainer(model, new TrainerOptions { Epochs = 10, BatchSize = 16, LearningRate = 0.003, Seed = 1 }).Fit(train);
        var result = SequenceEvaluator.Evaluate(model, test);
        TestContext.WriteLine($"yelp -> imdb accuracy {result.Accuracy:F3} ({test.Count} sentences) in {clock.Elapsed.TotalSeconds:F1} s");
        // Chance is 0.5 with a standard deviation of 0.016 over 1000 sentences; the domains differ (restaurants vs films).
        Assert.IsTrue(result.Accuracy > 0.6, $"accuracy on imdb {result.Accuracy:F3}; chance is 0.5");
    }

    [TestMethod]
    [TestCategory("Slow")]
    public void CharacterModel_OnTinyShakespeare_FallsWellBelowUniformLoss()
    {
        string text = File.ReadAllText(SharedData.RequireFile("tinyshakespeare/input.txt"));
        var sequencer = TextSequencer.Build([text], new CharacterTokenizer(), new VocabularyOptions { SpecialTokens = SpecialTokens.None });
        int split = (int)(text.Length * 0.9);
        int[] train = sequencer.Encode(text[..split]);
        int[] validation = sequencer.Encode(text[split..]);
        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.LanguageModel, VocabularySize = sequencer.Vocabulary.Count, EmbeddingSize = 32,
            Cell = RecurrentCellKind.Lstm, HiddenSize = 128,
        }, seed: 1);
        var clock = Stopwatch.StartNew();
        var result = new SequenceTrainer(model, new TrainerOptions
        {
            Epochs = 1, BatchSize = 32, TruncationLength = 64, LearningRate = 0.005, MaxSteps = 250, Seed = 1, MaxValidationItems = 20_000,
        }).FitStream(train, validation);
        double loss = result.History[^1].Validation!.Loss;
        TestContext.WriteLine($"tiny shakespeare: validation {loss:F3} nats/char after {result.Steps} steps in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.IsTrue(loss < 2.6, $"validation loss {loss:F3} nats/char; uniform is 4.17, add-one bigram 2.48");
    }
}
