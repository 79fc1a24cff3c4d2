using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Tests.Models;

/// <summary>
/// The character CNN of character-aware words: forward against a double-precision reference of Kim et al.'s
/// convolution-max-tanh, backward against central finite differences of the model's loss, and unseen words.
/// </summary>
[TestClass]
public sealed class CharacterAwareModelTests
{
    private static readonly int[][][] Characters =
    [
        [[1, 3, 4, 5, 2], [1, 2], [1, 6, 2]],
        [[1, 7, 3, 3, 3, 4, 8, 2]],
        [[1, 5, 2], [1, 4, 6, 7, 2]],
    ];

    private static SequenceModelOptions Options(SequenceTask task, SequencePooling pooling = SequencePooling.Last) => new()
    {
        Task = task, VocabularySize = 6, EmbeddingSize = 2, HiddenSize = 3, OutputSize = 3, Pooling = pooling,
        CharacterVocabularySize = 9, CharacterEmbeddingSize = 3, CharacterFilters = 2, CharacterMaxWidth = 3,
    };

    private static SequenceExample[] Examples(SequenceTask task)
    {
        int[][] tokens = [[2, 1, 3], [4], [5, 1]];
        int[][] tags = [[0, 2, 1], [1], [2, 0]];
        return [.. tokens.Select((t, i) => task == SequenceTask.Tagging
            ? new SequenceExample { Tokens = t, StepLabels = tags[i], Characters = Characters[i] }
            : new SequenceExample { Tokens = t, Label = i % 3, Characters = Characters[i] })];
    }

    [TestMethod]
    public void ForwardCharacters_AnyWord_MatchesDoubleReference()
    {
        var model = new SequenceModel(Options(SequenceTask.Tagging), seed: 3);
        var ws = model.CreateWorkspace();
        var batch = Examples(SequenceTask.Tagging);
        model.ForwardFeatures(ws, batch, training: false, null, default, default, keepActivations: false);
        var o = model.Options;
        int features = o.CharacterFeatureSize;
        var layout = ws.Recurrent.Layout;
        for (int b = 0; b < batch.Length; b++)
        {
            for (int t = 0; t < batch[b].Tokens!.Length; t++)
            {
                double[] expected = Reference(model, batch[b].Characters![t]);
                TestAssert.AssertClose(expected, ws.CharOutput.AsSpan(layout.RowOf(b, t) * features, features), 1e-5, 1e-6, $"word {b}/{t}");
            }
        }
    }

    [TestMethod]
    [DataRow(SequenceTask.Tagging, SequencePooling.Last)]
    [DataRow(SequenceTask.Classification, SequencePooling.Max)]
    [DataRow(SequenceTask.Classification, SequencePooling.Mean)]
    public void ComputeLoss_CharacterParameters_MatchFiniteDifferences(SequenceTask task, SequencePooling pooling)
    {
        var model = new SequenceModel(Options(task, pooling), seed: 11);
        var batch = Examples(task);
        var ws = model.CreateWorkspace();
        var metrics = new MetricTotals();
        model.Parameters.ZeroGradients();
        model.ComputeLoss(ws, batch, backward: true, training: false, null, default, default, default, ref metrics);
        var analytic = model.Parameters.Gradients.ToArray();
        var values = model.Parameters.Values;
        foreach (string name in model.Parameters.Names.Where(n => n.StartsWith("char_", StringComparison.Ordinal) || n == "embedding.weight"))
        {
            var info = model.Parameters.GetInfo(name);
            var numeric = new double[info.Length];
            for (int i = 0; i < info.Length; i++)
            {
                int at = info.Offset + i;
                float saved = values[at];
                const float h = 1e-3f;
                values[at] = saved + h;
                double plus = Loss(model, ws, batch);
                values[at] = saved - h;
                double minus = Loss(model, ws, batch);
                values[at] = saved;
                numeric[i] = (plus - minus) / (2 * h);
            }
            TestAssert.AssertClose(numeric, analytic.AsSpan(info.Offset, info.Length), 2e-2, 2e-4, name);
        }
    }

    [TestMethod]
    [DataRow(SequenceTask.Tagging)]
    [DataRow(SequenceTask.Classification)]
    public void ComputeLoss_CharactersWithRegularizers_MatchFiniteDifferences(SequenceTask task)
    {
        // Embedding dropout masks the word part of each step input, locked input dropout the whole of it (words and
        // characters): both masks must reach the character CNN's gradient too. The masks come from one seed per pass.
        var model = new SequenceModel(Options(task, SequencePooling.Max), seed: 13);
        var batch = Examples(task);
        var ws = model.CreateWorkspace();
        ws.Regularization = new RegularizationOptions { EmbeddingDropout = 0.3f, InputDropout = 0.4f, OutputDropout = 0.3f, WeightDropout = 0.3f };
        double Masked(bool backward)
        {
            var metrics = new MetricTotals();
            return model.ComputeLoss(ws, batch, backward, training: true, new RandomSource(42), default, default, default, ref metrics);
        }

        model.Parameters.ZeroGradients();
        Masked(backward: true);
        var analytic = model.Parameters.Gradients.ToArray();
        var values = model.Parameters.Values;
        var numeric = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            float saved = values[i];
            const float h = 1e-3f;
            values[i] = saved + h;
            double plus = Masked(backward: false);
            values[i] = saved - h;
            double minus = Masked(backward: false);
            values[i] = saved;
            numeric[i] = (plus - minus) / (2 * h);
        }
        TestAssert.AssertClose(numeric, analytic, 2e-2, 2e-4, $"{task} with regularizers");
    }

    [TestMethod]
    public void Forward_UnseenWordsWithDifferentCharacters_PredictDifferently()
    {
        var model = new SequenceModel(Options(SequenceTask.Tagging), seed: 5);
        var ws = model.CreateWorkspace();
        // Both words are unknown to the word vocabulary (id 1); only their characters differ.
        var first = new SequenceExample { Tokens = [1], Characters = [[1, 3, 4, 2]] };
        var second = new SequenceExample { Tokens = [1], Characters = [[1, 7, 8, 6, 2]] };
        model.Forward(ws, new[] { first }, training: false, null, default, default);
        float[] a = ws.Logits.AsSpan(0, 3).ToArray();
        model.Forward(ws, new[] { second }, training: false, null, default, default);
        float[] b = ws.Logits.AsSpan(0, 3).ToArray();
        CollectionAssert.AreNotEqual(a, b);
        model.Forward(ws, new[] { first }, training: false, null, default, default);
        CollectionAssert.AreEqual(a, ws.Logits.AsSpan(0, 3).ToArray());
    }

    [TestMethod]
    public void ValidateExamples_MissingOrOutOfRangeCharacters_ThrowsNamingTheProblem()
    {
        var model = new SequenceModel(Options(SequenceTask.Tagging));
        var missing = Assert.ThrowsExactly<ArgumentException>(() =>
            model.ValidateExamples([new SequenceExample { Tokens = [1, 2], StepLabels = [0, 0] }], requireTargets: true));
        StringAssert.Contains(missing.Message, "character arrays");
        var outOfRange = Assert.ThrowsExactly<ArgumentException>(() =>
            model.ValidateExamples([new SequenceExample { Tokens = [1], StepLabels = [0], Characters = [[1, 9, 2]] }], requireTargets: true));
        StringAssert.Contains(outOfRange.Message, "character id 9");
    }

    [TestMethod]
    public void Options_CharactersOnALanguageModel_Throws()
    {
        var options = new SequenceModelOptions { Task = SequenceTask.LanguageModel, VocabularySize = 5, CharacterVocabularySize = 6 };
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(options.Validate);
    }

    private static double Loss(SequenceModel model, ModelWorkspace ws, SequenceExample[] batch)
    {
        var metrics = new MetricTotals();
        return model.ComputeLoss(ws, batch, backward: false, training: false, null, default, default, default, ref metrics);
    }

    // Kim et al.: for each width w, tanh(max over windows of the convolution + bias); windows past the word read zeros.
    private static double[] Reference(SequenceModel model, int[] chars)
    {
        var o = model.Options;
        int e = o.CharacterEmbeddingSize, f = o.CharacterFilters;
        var table = model.Parameters.GetValues("char_embedding.weight").ToArray();
        var result = new double[o.CharacterFeatureSize];
        for (int w = 1; w <= o.CharacterMaxWidth; w++)
        {
            var weight = model.Parameters.GetValues($"char_conv.{w - 1}.weight").ToArray();
            var bias = model.Parameters.GetValues($"char_conv.{w - 1}.bias").ToArray();
            int windows = Math.Max(1, chars.Length - w + 1);
            for (int j = 0; j < f; j++)
            {
                double best = double.NegativeInfinity;
                for (int p = 0; p < windows; p++)
                {
                    double sum = bias[j];
                    for (int k = 0; k < w && p + k < chars.Length; k++)
                    {
                        for (int d = 0; d < e; d++)
                        {
                            sum += (double)weight[(j * e + d) * w + k] * table[chars[p + k] * e + d];
                        }
                    }
                    best = Math.Max(best, sum);
                }
                result[(w - 1) * f + j] = Math.Tanh(best);
            }
        }
        return result;
    }
}
