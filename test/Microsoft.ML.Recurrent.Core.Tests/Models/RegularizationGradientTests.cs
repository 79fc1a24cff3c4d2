using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Tests.Models;

/// <summary>
/// The AWD-LSTM regularisers' backward passes against central finite differences of the same masked forward pass
/// (the masks come from a generator reset to one seed for every evaluation, so the loss is a fixed function of the weights).
/// </summary>
[TestClass]
public sealed class RegularizationGradientTests
{
    public static IEnumerable<object[]> Cases =>
    [
        // task, cell, layers, bidirectional, pooling, embedding, input, hidden, output, weight
        ["Classification", "Lstm", 2, true, "Mean", 0.4f, 0f, 0f, 0f, 0f],
        ["Classification", "Lstm", 2, true, "Mean", 0f, 0.4f, 0f, 0f, 0f],
        ["Classification", "Lstm", 2, true, "Mean", 0f, 0f, 0.4f, 0f, 0f],
        ["Classification", "Lstm", 2, true, "Mean", 0f, 0f, 0f, 0.4f, 0f],
        ["Classification", "Lstm", 2, true, "Mean", 0f, 0f, 0f, 0f, 0.4f],
        ["Classification", "Gru", 2, false, "Last", 0.3f, 0.3f, 0.3f, 0.3f, 0.3f],
        ["Tagging", "Gru", 1, true, "Last", 0.3f, 0.3f, 0f, 0.3f, 0.3f],
        ["LanguageModel", "RnnTanh", 2, false, "Last", 0.3f, 0.3f, 0.3f, 0.3f, 0.3f],
        ["Regression", "Lstm", 2, false, "Last", 0.3f, 0.3f, 0.3f, 0.3f, 0.3f],
    ];

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void Backward_WithRegularizers_MatchesFiniteDifferences(string task, string cell, int layers, bool bidirectional, string pooling,
        float embedding, float input, float hidden, float output, float weight)
    {
        var model = Model(Enum.Parse<SequenceTask>(task), Enum.Parse<RecurrentCellKind>(cell), layers, bidirectional, Enum.Parse<SequencePooling>(pooling));
        var regularization = new RegularizationOptions
        {
            EmbeddingDropout = embedding, InputDropout = input, HiddenDropout = hidden, OutputDropout = output, WeightDropout = weight,
        };
        var batch = Batch(model);
        var ws = model.CreateWorkspace();
        ws.Regularization = regularization;
        double Loss(bool backward)
        {
            var metrics = new MetricTotals();
            return model.ComputeLoss(ws, batch, backward, training: true, new RandomSource(42), default, default, default, ref metrics);
        }

        model.Parameters.ZeroGradients();
        double masked = Loss(backward: true);
        float[] analytic = model.Parameters.Gradients.ToArray();
        var values = model.Parameters.Values;
        var numeric = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            float original = values[i];
            float plus = original + 1e-2f, minus = original - 1e-2f;
            values[i] = plus;
            double lossPlus = Loss(backward: false);
            values[i] = minus;
            double lossMinus = Loss(backward: false);
            values[i] = original;
            numeric[i] = (lossPlus - lossMinus) / ((double)plus - minus);
        }
        TestAssert.AssertClose(numeric, analytic, 2e-2, 2e-3, $"{task} {cell} gradient");

        ws.Regularization = null;
        Assert.AreNotEqual(masked, Loss(backward: false), "the regularisers changed the training loss (some mask is not all ones)");
    }

    [TestMethod]
    public void ComputeLoss_Evaluating_IgnoresTheRegularizers()
    {
        var model = Model(SequenceTask.Classification, RecurrentCellKind.Lstm, 2, true, SequencePooling.Mean);
        var batch = Batch(model);
        var ws = model.CreateWorkspace();
        var plain = new MetricTotals();
        double expected = model.ComputeLoss(ws, batch, false, training: false, null, default, default, default, ref plain);
        ws.Regularization = new RegularizationOptions { EmbeddingDropout = 0.5f, InputDropout = 0.5f, HiddenDropout = 0.5f, OutputDropout = 0.5f, WeightDropout = 0.5f };
        var metrics = new MetricTotals();
        Assert.AreEqual(expected, model.ComputeLoss(ws, batch, false, training: false, new RandomSource(1), default, default, default, ref metrics));
    }

    [TestMethod]
    public void Forward_EmbeddingAndInputDropout_DropWholeWordTypesAndTheSameUnitsAtEveryStep()
    {
        var model = Model(SequenceTask.Classification, RecurrentCellKind.Gru, 1, false, SequencePooling.Last);
        var batch = Batch(model);
        var embedding = model.Parameters.GetValues("embedding.weight").ToArray();
        int e = model.Options.EmbeddingSize;
        foreach (var (rows, units) in new[] { (0.5f, 0f), (0f, 0.5f) })
        {
            var ws = model.CreateWorkspace();
            ws.Regularization = new RegularizationOptions { EmbeddingDropout = rows, InputDropout = units };
            model.ForwardFeatures(ws, batch, training: true, new RandomSource(7), default, default, keepActivations: true);
            var layout = ws.Recurrent.Layout;
            var factorOfToken = new Dictionary<int, float>();
            for (int b = 0; b < batch.Length; b++)
            {
                for (int t = 0; t < batch[b].Tokens!.Length; t++)
                {
                    int token = batch[b].Tokens![t];
                    for (int j = 0; j < e; j++)
                    {
                        float x = ws.Recurrent.InputPacked[layout.RowOf(b, t) * e + j];
                        float factor = x / embedding[token * e + j];
                        Assert.IsTrue(x == 0 || Math.Abs(factor - 2f) < 1e-6, $"kept values are scaled by 1/(1-p) = 2, dropped ones are 0: {x}");
                        float mask = x == 0 ? 0 : 2;
                        // Embedding dropout: one factor per word type; locked input dropout: one per sequence and unit.
                        int key = rows > 0 ? token : b * e + j;
                        if (factorOfToken.TryGetValue(key, out float seen))
                        {
                            Assert.AreEqual(seen, mask, $"sequence {b} step {t} unit {j}");
                        }
                        factorOfToken[key] = mask;
                    }
                }
            }
            CollectionAssert.Contains(factorOfToken.Values, 0f, "something was dropped");
            CollectionAssert.Contains(factorOfToken.Values, 2f, "something was kept");
        }
    }

    [TestMethod]
    public void Forward_WeightDropout_IsTheForwardOfTheMaskedHiddenWeights()
    {
        var model = Model(SequenceTask.Classification, RecurrentCellKind.Lstm, 2, true, SequencePooling.Mean);
        var batch = Batch(model);
        var ws = model.CreateWorkspace();
        ws.Regularization = new RegularizationOptions { WeightDropout = 0.5f };
        var metrics = new MetricTotals();
        double dropped = model.ComputeLoss(ws, batch, false, training: true, new RandomSource(3), default, default, default, ref metrics);

        // PyTorch's WeightDrop: the same forward pass as a model whose weight_hh is weight_hh * mask, mask in {0, 2}.
        var masked = Model(SequenceTask.Classification, RecurrentCellKind.Lstm, 2, true, SequencePooling.Mean);
        for (int slot = 0; slot < 4; slot++)
        {
            var info = model.Recurrent.WeightHh(slot);
            var mask = ws.Recurrent.HiddenWeightMask[slot].AsSpan(0, info.Length);
            Assert.IsTrue(mask.ToArray().All(m => m is 0f or 2f) && mask.Contains(0f) && mask.Contains(2f), $"slot {slot} mask");
            var target = masked.Parameters.GetValues(info.Name);
            System.Numerics.Tensors.TensorPrimitives.Multiply(model.Parameters.GetValues(info.Name), mask, target);
        }
        var plain = new MetricTotals();
        Assert.AreEqual(dropped, masked.ComputeLoss(masked.CreateWorkspace(), batch, false, training: false, null, default, default, default, ref plain), 1e-6);
    }

    [TestMethod]
    public void Validate_ProbabilityOfOne_Throws()
    {
        var options = new RegularizationOptions { OutputDropout = 1f };
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(options.Validate).Message, "OutputDropout");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new RegularizationOptions { WeightDropout = float.NaN }.Validate());
    }

    private static SequenceModel Model(SequenceTask task, RecurrentCellKind cell, int layers, bool bidirectional, SequencePooling pooling) => new(new SequenceModelOptions
    {
        Task = task, VocabularySize = task == SequenceTask.Regression ? 0 : 6, InputFeatures = 2, EmbeddingSize = 3, Cell = cell, HiddenSize = 3,
        NumLayers = layers, Bidirectional = task == SequenceTask.LanguageModel ? false : bidirectional, Pooling = pooling,
        OutputSize = task == SequenceTask.Regression ? 2 : 3,
    }, seed: 5);

    private static SequenceExample[] Batch(SequenceModel model)
    {
        int[][] tokens = [[1, 4, 2, 4], [3, 1], [5, 2, 1]];
        var random = new Random(9);
        return tokens.Select((t, i) => model.Options.Task switch
        {
            SequenceTask.Classification => SequenceExample.ForClassification(t, i % 3),
            SequenceTask.Regression => SequenceExample.ForRegression(t.SelectMany(v => new[] { v * 0.3f - 0.5f, (float)random.NextDouble() }).ToArray(), [0.5f, -1f]),
            _ => new SequenceExample { Tokens = t, StepLabels = t.Select(v => model.Options.Task == SequenceTask.LanguageModel ? (v + 1) % 6 : v % 3).ToArray() },
        }).ToArray();
    }
}
