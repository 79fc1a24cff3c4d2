using Microsoft.ML.Recurrent.Generation;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Text;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Generation;

[TestClass]
public sealed class TextGeneratorTests
{
    private static readonly string Corpus = string.Concat(Enumerable.Repeat("hello world ", 100));

    // A character LSTM trained on "hello world " * 100 (about 300 steps of truncated BPTT), shared by the tests.
    private static readonly Lazy<TextGenerator> Trained = new(() =>
    {
        var sequencer = TextSequencer.Build([Corpus], new CharacterTokenizer());
        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.LanguageModel, VocabularySize = sequencer.Vocabulary.Count, EmbeddingSize = 8, HiddenSize = 32, Cell = RecurrentCellKind.Lstm,
        }, seed: 1);
        new SequenceTrainer(model, new TrainerOptions { Epochs = 40, BatchSize = 8, TruncationLength = 20, LearningRate = 0.02, Seed = 1 })
            .FitStream(sequencer.Encode(Corpus));
        return new TextGenerator(new StreamingPredictor(model), sequencer);
    });

    private static GenerationOptions Greedy(int maxLength) => new() { Temperature = 0f, MaxLength = maxLength };

    [TestMethod]
    public void Generate_Greedy_ContinuesTheTrainedPattern()
    {
        Assert.AreEqual(" world hello world hello", Trained.Value.Generate("hello", Greedy(24)));
        Assert.AreEqual("rld hello", Trained.Value.Generate("hello wo", Greedy(9)));
    }

    [TestMethod]
    public void Evaluate_TrainedText_LowPerplexity_MatchingStepByStepLikelihood()
    {
        var generator = Trained.Value;
        string text = "hello world hello world hello";
        var result = generator.Evaluate(text);
        Assert.AreEqual(text.Length - 1, result.TokenCount);
        Assert.AreEqual(Math.Exp(result.NatsPerToken), result.Perplexity, 1e-12);
        Assert.IsTrue(result.Perplexity < 1.5, $"perplexity {result.Perplexity}");

        int[] ids = generator.Sequencer.Encode(text);
        var session = generator.Predictor.CreateSession();
        double nats = 0;
        for (int t = 0; t + 1 < ids.Length; t++)
        {
            session.Step(ids[t]);
            nats -= Math.Log(session.Probabilities[ids[t + 1]]);
        }
        Assert.AreEqual(nats / (ids.Length - 1), result.NatsPerToken, 1e-4, "Evaluate equals the mean -log p of the streamed session");
        Assert.IsTrue(generator.Evaluate("dlrow olleh dlrow olleh").Perplexity > 5 * result.Perplexity, "reversed text is surprising");
        Assert.ThrowsExactly<ArgumentException>(() => generator.Evaluate("h"));
    }

    [TestMethod]
    public void GenerateTokens_YieldsPieces_WhoseConcatenationIsGenerate()
    {
        var options = new GenerationOptions { MaxLength = 30, Seed = 5, Temperature = 1.2f, IncludePrompt = true };
        var pieces = Trained.Value.GenerateTokens("hello", options).ToList();
        Assert.AreEqual("hello", pieces[0], "the prompt comes first");
        Assert.AreEqual(31, pieces.Count, "then one piece per character token");
        Assert.IsTrue(pieces.All(p => p.Length > 0));
        Assert.AreEqual(Trained.Value.Generate("hello", options), string.Concat(pieces));
    }

    [TestMethod]
    public void Generate_Seed_SameSeedSameText_DifferentSeedDifferentText()
    {
        var options = new GenerationOptions { MaxLength = 60, Temperature = 2f, Seed = 1 };
        string a = Trained.Value.Generate("hello", options);
        Assert.AreEqual(a, Trained.Value.Generate("hello", options));
        Assert.AreNotEqual(a, Trained.Value.Generate("hello", options with { Seed = 2 }));
    }

    [TestMethod]
    public void Generate_StopSequence_EndsBeforeIt_AndIsHeldBackWhileStreaming()
    {
        var generator = Trained.Value;
        Assert.AreEqual(" wor", generator.Generate("hello", Greedy(50) with { StopSequences = ["ld"] }));
        Assert.AreEqual("hello wor", generator.Generate("hello", Greedy(50) with { StopSequences = ["xyz", "ld"], IncludePrompt = true }));
        Assert.AreEqual(" world ", generator.Generate("hello", Greedy(50) with { StopSequences = ["hello"] }), "the prompt itself never stops generation");
        Assert.AreEqual(string.Empty, generator.Generate("hello", Greedy(50) with { StopSequences = [" "] }));
        var pieces = generator.GenerateTokens("hello", Greedy(50) with { StopSequences = ["rld!"] }).ToList();
        Assert.AreEqual(string.Concat(Enumerable.Repeat(" world hello", 4)) + " w", string.Concat(pieces), "an unmatched stop sequence is flushed at the end");
        Assert.IsTrue(pieces.Any(p => p.Length > 1), "'rl' and 'rld' were held back until 'rld ' ruled the stop sequence out");
    }

    [TestMethod]
    public void Generate_MaxLength_LimitsTheTokenCount()
    {
        Assert.AreEqual(5, Trained.Value.Generate("hello", Greedy(5)).Length);
        Assert.AreEqual(string.Empty, Trained.Value.Generate("hello", Greedy(0)));
        Assert.AreEqual("hello", Trained.Value.Generate("hello", Greedy(0) with { IncludePrompt = true }));
    }

    [TestMethod]
    public void Generate_UnknownPromptCharacters_BecomeUnk_AndNeverThrow()
    {
        var generator = Trained.Value;
        Assert.AreEqual(5, generator.Generate("héllo ✨ wörld 🙂", Greedy(5)).Length);
        Assert.AreEqual(5, generator.Generate("✨✨", Greedy(5)).Length);

        // Without UNK, unknown characters are left out of the prompt.
        var noSpecials = TextSequencer.Build([Corpus], new CharacterTokenizer(), new VocabularyOptions { SpecialTokens = SpecialTokens.None });
        var model = new SequenceModel(new SequenceModelOptions { Task = SequenceTask.LanguageModel, VocabularySize = noSpecials.Vocabulary.Count, EmbeddingSize = 4, HiddenSize = 8 });
        var plain = new TextGenerator(new StreamingPredictor(model), noSpecials);
        Assert.AreEqual(plain.Generate("hel", Greedy(7)), plain.Generate("h✨e🙂l", Greedy(7)));
        var ex = Assert.ThrowsExactly<ArgumentException>(() => plain.GenerateTokens("✨", Greedy(3)));
        StringAssert.Contains(ex.Message, "no BOS");
        Assert.ThrowsExactly<ArgumentException>(() => plain.Generate(string.Empty, Greedy(3)));
    }

    [TestMethod]
    public void Generate_EmptyPrompt_StartsFromBos()
    {
        var generator = Trained.Value;
        string text = generator.Generate(string.Empty, Greedy(20));
        Assert.AreEqual(20, text.Length);
        Assert.AreEqual(text, generator.Generate(string.Empty, Greedy(20) with { IncludePrompt = true }));
    }

    [TestMethod]
    public void Generate_EndOfSequence_StopsAndIsNotIncluded()
    {
        var sequencer = TextSequencer.Build(["abc"], new CharacterTokenizer());
        var model = new SequenceModel(new SequenceModelOptions { Task = SequenceTask.LanguageModel, VocabularySize = sequencer.Vocabulary.Count, EmbeddingSize = 4, HiddenSize = 8 });
        model.Parameters.GetValues("fc.weight").Clear();
        var bias = model.Parameters.GetValues("fc.bias");
        bias.Clear();
        bias[sequencer.Vocabulary.GetId("b")] = 5f;
        var generator = new TextGenerator(new StreamingPredictor(model), sequencer);
        Assert.AreEqual("bbb", generator.Generate("a", Greedy(3)));
        bias[sequencer.Vocabulary.EndId] = 10f;
        generator = new TextGenerator(new StreamingPredictor(model), sequencer);
        Assert.AreEqual(string.Empty, generator.Generate("a", Greedy(3)));
        Assert.AreEqual("a", generator.Generate("a", Greedy(3) with { IncludePrompt = true }));
    }

    [TestMethod]
    public void Generate_OnManyThreads_MatchesSequentialRuns()
    {
        var generator = Trained.Value;
        var options = Enumerable.Range(0, 6).Select(i => new GenerationOptions { MaxLength = 80, Temperature = 1.5f, TopK = 5, TopP = 0.95f, Seed = i }).ToArray();
        var sequential = options.Select(o => generator.Generate("hello", o)).ToArray();
        var parallel = new string[options.Length];
        Parallel.For(0, options.Length, new ParallelOptions { MaxDegreeOfParallelism = options.Length }, i => parallel[i] = generator.Generate("hello", options[i]));
        CollectionAssert.AreEqual(sequential, parallel);
    }

    [TestMethod]
    public void Arguments_OutOfRange_ThrowNamingTheOption()
    {
        var generator = Trained.Value;
        Assert.AreEqual("Temperature", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => generator.GenerateTokens("h", new GenerationOptions { Temperature = -0.5f })).ParamName);
        Assert.AreEqual("TopK", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => generator.Generate("h", new GenerationOptions { TopK = -2 })).ParamName);
        Assert.AreEqual("TopP", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => generator.Generate("h", new GenerationOptions { TopP = 0f })).ParamName);
        Assert.AreEqual("MaxLength", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => generator.Generate("h", new GenerationOptions { MaxLength = -1 })).ParamName);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => generator.Generate("h", new GenerationOptions { StopSequences = ["a", ""] })).Message, "StopSequences[1]");
        Assert.ThrowsExactly<ArgumentNullException>(() => generator.Generate(null!));

        var classifier = new SequenceModel(new SequenceModelOptions { VocabularySize = generator.Sequencer.Vocabulary.Count, EmbeddingSize = 4, HiddenSize = 4 });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new TextGenerator(new StreamingPredictor(classifier), generator.Sequencer)).Message, "language model");
        var small = new SequenceModel(new SequenceModelOptions { Task = SequenceTask.LanguageModel, VocabularySize = 5, EmbeddingSize = 4, HiddenSize = 4 });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new TextGenerator(new StreamingPredictor(small), generator.Sequencer)).Message, "VocabularySize 5");
    }
}
