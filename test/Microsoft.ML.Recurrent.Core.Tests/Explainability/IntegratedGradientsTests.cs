using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Explainability;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Text;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Explainability;

/// <summary>
/// Integrated gradients: the gradient they integrate is exact (finite differences), the values sum to the score
/// difference from the zero-embedding baseline (completeness), padding and truncation never get a value, and the
/// tokens that matter agree with occlusion.
/// </summary>
[TestClass]
public sealed class IntegratedGradientsTests
{
    // Token 0 is padding, given a zero embedding after training (it never occurs in the data): replacing a token by 0
    // is then exactly occluding it, and a sequence of zeros is the baseline.
    private const int VocabularySize = 12;
    private static readonly int[] Positive = [2, 3, 4];
    private static readonly int[] Negative = [5, 6, 7];

    private static readonly Lazy<SequenceModel> Trained = new(() => Train(SequencePooling.Max));
    private static readonly Lazy<SequenceModel> TrainedSmooth = new(() => Train(SequencePooling.Last));

    [TestMethod]
    [DataRow(RecurrentCellKind.Lstm, SequencePooling.Last, false, 2)]
    [DataRow(RecurrentCellKind.Gru, SequencePooling.Mean, true, 3)]
    [DataRow(RecurrentCellKind.RnnTanh, SequencePooling.Max, true, 2)]
    [DataRow(RecurrentCellKind.Lstm, SequencePooling.Max, true, 4)]
    [DataRow(RecurrentCellKind.Lstm, SequencePooling.Concat, false, 2)]
    public void ScoreGradient_RandomModel_MatchesFiniteDifferences(RecurrentCellKind cell, SequencePooling pooling, bool bidirectional, int classes)
    {
        var model = new SequenceModel(new SequenceModelOptions
        {
            VocabularySize = VocabularySize, EmbeddingSize = 5, HiddenSize = 6, NumLayers = 2, Cell = cell, Pooling = pooling,
            Bidirectional = bidirectional, OutputSize = classes,
        }, seed: 3);
        int[] tokens = [1, 4, 9, 2, 7]; // each id once: perturbing its embedding row perturbs one step
        var ws = model.CreateWorkspace();
        var batch = new[] { SequenceExample.ForPrediction(tokens) };
        int target = classes - 1;
        var scores = new double[1];
        float[] gradient = model.ScoreGradient(ws, batch, default, [target], scores).ToArray();
        var layout = ws.Recurrent.Layout;
        var embedding = model.Parameters.GetValues(model.Embedding!);
        int e = model.Options.EmbeddingSize;
        var expected = new double[tokens.Length * e];
        var actual = new float[tokens.Length * e];
        const float eps = 1e-2f;
        for (int t = 0; t < tokens.Length; t++)
        {
            for (int j = 0; j < e; j++)
            {
                int at = tokens[t] * e + j;
                float keep = embedding[at];
                embedding[at] = keep + eps;
                double up = Score(model, tokens, target);
                embedding[at] = keep - eps;
                double down = Score(model, tokens, target);
                embedding[at] = keep;
                expected[t * e + j] = (up - down) / (2 * eps);
                actual[t * e + j] = gradient[layout.RowOf(0, t) * e + j];
            }
        }
        TestAssert.AssertClose(expected, actual, 2e-2, 2e-3, $"d score / d embedded input ({cell}, {pooling})");
        Assert.IsFalse(model.Parameters.HasGradients, "an attribution pass must not create or touch parameter gradients");
    }

    // Tolerances, relative to the score difference (plus 1e-3 for float rounding), at the default 32 nodes: 0.1% for a
    // model smooth along the path (last-state pooling); 5% with max pooling, whose gradient jumps where the maximum
    // changes step, so that any quadrature converges only as 1/steps (measured: 0.2% to 2% at 16 to 256 nodes).
    [TestMethod]
    [DataRow(false, 1e-3)]
    [DataRow(true, 5e-2)]
    public void Explain_TrainedModel_ValuesSumToScoreDifferenceFromBaseline(bool maxPooling, double tolerance)
    {
        var model = maxPooling ? Trained.Value : TrainedSmooth.Value;
        var explainer = new IntegratedGradients(model);
        foreach (int[] tokens in TestSequences())
        {
            var a = explainer.Explain(tokens);
            double delta = a.Score - a.BaselineScore;
            Assert.IsTrue(Math.Abs(a.CompletenessError) <= tolerance * Math.Abs(delta) + 1e-3,
                $"[{string.Join(",", tokens)}]: values sum to {a.Values.Sum()}, score difference {delta}");
            Assert.AreEqual(Score(model, new int[tokens.Length], a.TargetClass), a.BaselineScore, 1e-5, "the baseline is the all-zero embedding");
            Assert.AreEqual(Score(model, tokens, a.TargetClass), a.Score, 1e-5, "the score of the input");
        }
    }

    [TestMethod]
    public void Explain_FewSteps_LargerCompletenessErrorThanDefault()
    {
        var model = TrainedSmooth.Value;
        int[] tokens = [2, 8, 5, 9, 3, 3, 10];
        double coarse = Math.Abs(new IntegratedGradients(model, steps: 1).Explain(tokens, 1).CompletenessError);
        double fine = Math.Abs(new IntegratedGradients(model).Explain(tokens, 1).CompletenessError);
        Assert.IsTrue(fine < coarse, $"32 nodes ({fine}) must integrate better than 1 ({coarse})");
    }

    [TestMethod]
    public void Explain_TrainedModel_AgreesWithOcclusionOnTheDecisiveToken()
    {
        var model = Trained.Value;
        var explainer = new IntegratedGradients(model);
        foreach (int[] tokens in TestSequences())
        {
            var a = explainer.Explain(tokens);
            var occlusion = new double[tokens.Length];
            for (int t = 0; t < tokens.Length; t++)
            {
                int[] occluded = (int[])tokens.Clone();
                occluded[t] = 0;
                occlusion[t] = a.Score - Score(model, occluded, a.TargetClass);
            }
            int byGradients = Enumerable.Range(0, tokens.Length).MaxBy(t => a.Values[t]);
            int byOcclusion = Enumerable.Range(0, tokens.Length).MaxBy(t => occlusion[t]);
            Assert.AreEqual(tokens[byOcclusion], tokens[byGradients],
                $"[{string.Join(",", tokens)}] IG [{string.Join(", ", a.Values)}] occlusion [{string.Join(", ", occlusion)}]");
            Assert.IsTrue(Positive.Contains(tokens[byGradients]) == (a.TargetClass == 1), "the decisive token carries the predicted class's signal");
        }
    }

    [TestMethod]
    public void Explain_MixedLengthsInOnePass_EqualsEachAloneWithOneValuePerToken()
    {
        var model = Trained.Value;
        var explainer = new IntegratedGradients(model, steps: 8);
        var sequences = TestSequences().ToList();
        var together = explainer.Explain(sequences);
        for (int i = 0; i < sequences.Count; i++)
        {
            var alone = explainer.Explain(sequences[i]);
            Assert.AreEqual(sequences[i].Length, together[i].Values.Count, "one value per token, none for padding");
            TestAssert.AssertClose(alone.Values.Select(v => (double)v).ToArray(), together[i].Values.ToArray(), 1e-4, 1e-5, $"sequence {i}");
        }
    }

    [TestMethod]
    public void Explain_TextLongerThanMaxLength_TruncatedTokensGetNoValue()
    {
        var model = Trained.Value;
        var vocabulary = TestVocabulary();
        var sequencer = new TextSequencer(new WordTokenizer(), vocabulary);
        var explainer = new IntegratedGradients(model, steps: 8);
        var a = explainer.Explain(sequencer, "t2 t8 t5 t9 t3 t6", maxLength: 4);
        CollectionAssert.AreEqual(new[] { "t2", "t8", "t5", "t9" }, a.Tokens!.ToArray());
        Assert.AreEqual(4, a.Values.Count);
        var cut = explainer.Explain(sequencer, "t2 t8 t5 t9");
        CollectionAssert.AreEqual(cut.Values.ToArray(), a.Values.ToArray(), "the cut-off tokens change nothing");
        Assert.AreEqual(0, explainer.Explain(sequencer, "").Values.Count, "an empty text has no token to explain");
    }

    [TestMethod]
    public void Constructor_NotATokenClassifier_Throws()
    {
        var regressor = new SequenceModel(new SequenceModelOptions { Task = SequenceTask.Regression, InputFeatures = 1, OutputSize = 1, HiddenSize = 4 });
        Assert.ThrowsExactly<ArgumentException>(() => new IntegratedGradients(regressor));
        var classifier = new SequenceModel(new SequenceModelOptions { VocabularySize = 5, EmbeddingSize = 2, HiddenSize = 2 });
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new IntegratedGradients(classifier, steps: 0));
        Assert.ThrowsExactly<ArgumentException>(() => new IntegratedGradients(classifier).Explain([1, 2], targetClass: 2));
        var characterAware = new SequenceModel(new SequenceModelOptions { VocabularySize = 5, EmbeddingSize = 2, HiddenSize = 2, CharacterVocabularySize = 6 });
        StringAssert.Contains(Assert.ThrowsExactly<NotSupportedException>(() => new IntegratedGradients(characterAware)).Message, "character-aware");
    }

    // Word i of the test vocabulary is "t{i}", in id order after <pad> and <unk>.
    private static Vocabulary TestVocabulary() => Vocabulary.FromTokens(Enumerable.Range(2, VocabularySize - 2).Select(i => $"t{i}"), SpecialTokens.Pad | SpecialTokens.Unknown);

    private static IEnumerable<int[]> TestSequences()
    {
        yield return [8, 2, 9, 10];
        yield return [9, 6, 8];
        yield return [10, 11, 3, 8, 9, 11, 8];
        yield return [5, 8, 9, 11, 10];
    }

    private static double Score(SequenceModel model, int[] tokens, int target)
    {
        var scores = new double[1];
        model.ScoreGradient(model.CreateWorkspace(), new[] { SequenceExample.ForPrediction(tokens) }, default, [target], scores);
        return scores[0];
    }

    // One sentiment-like token (2-4 positive, 5-7 negative) among neutral ones (8-11); label = its polarity.
    private static SequenceModel Train(SequencePooling pooling)
    {
        var random = new Random(5);
        var examples = new List<SequenceExample>();
        for (int i = 0; i < 160; i++)
        {
            bool positive = i % 2 == 0;
            int length = random.Next(2, 8);
            var tokens = Enumerable.Range(0, length).Select(_ => random.Next(8, 12)).ToArray();
            tokens[random.Next(length)] = positive ? Positive[random.Next(3)] : Negative[random.Next(3)];
            examples.Add(SequenceExample.ForClassification(tokens, positive ? 1 : 0));
        }
        var model = new SequenceModel(new SequenceModelOptions
        {
            VocabularySize = VocabularySize, EmbeddingSize = 8, HiddenSize = 12, Bidirectional = true, Pooling = pooling,
        }, seed: 1);
        new SequenceTrainer(model, new TrainerOptions { Epochs = 15, BatchSize = 16, LearningRate = 0.01, Seed = 1 }).Fit(examples);
        model.Parameters.GetValues(model.Embedding!)[..8].Clear();
        return model;
    }
}
