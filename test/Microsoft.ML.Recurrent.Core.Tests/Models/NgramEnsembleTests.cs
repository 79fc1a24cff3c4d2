using Microsoft.ML.Recurrent.Explainability;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Models;

/// <summary>
/// The n-gram ensemble (NgramEnsemble): the mean of the two parts' probabilities, each part's own cross-entropy and
/// exact gradients, one temperature per part, per-part early stopping and exact attributions.
/// </summary>
[TestClass]
public sealed class NgramEnsembleTests
{
    private static SequenceModelOptions Options(int classes = 3, SequencePooling pooling = SequencePooling.Mean) => new()
    {
        VocabularySize = 7, EmbeddingSize = 3, HiddenSize = 4, Bidirectional = true, OutputSize = classes, Pooling = pooling,
        NgramBuckets = 11, NgramMaxLength = 2, NgramEnsemble = true,
    };

    // The n-gram part starts at zero; tests give it values of its own.
    private static SequenceModel Model(SequenceModelOptions options, int seed, float scale = 1f)
    {
        var model = new SequenceModel(options, seed);
        var random = new Random(seed);
        foreach (string name in new[] { "ngram.weight", "ngram.bias" })
        {
            var values = model.Parameters.GetValues(name);
            Assert.IsTrue(values.ToArray().All(v => v == 0f), $"{name} starts at zero");
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
            }
        }
        return model;
    }

    private static readonly SequenceExample[] Batch =
    [
        new() { Tokens = [2, 1, 3, 2, 1], Label = 0 },
        new() { Tokens = [4], Label = 1 },
        new() { Tokens = [5, 6, 5], Label = 2 },
        new() { Tokens = [1, 6], Label = 1 },
    ];

    [TestMethod]
    public void Forward_Ensemble_GivesTheLogOfTheMeanOfBothPartsProbabilities()
    {
        var model = Model(Options(), seed: 3);
        var mean = Logits(model, EnsembleView.Mean);
        var recurrent = Logits(model, EnsembleView.Recurrent);
        var ngrams = Logits(model, EnsembleView.Ngrams);
        for (int r = 0; r < Batch.Length; r++)
        {
            var p = Softmax(recurrent.AsSpan(r * 3, 3));
            var q = Softmax(ngrams.AsSpan(r * 3, 3));
            var m = Softmax(mean.AsSpan(r * 3, 3));
            for (int c = 0; c < 3; c++)
            {
                Assert.AreEqual((p[c] + q[c]) / 2, m[c], 1e-6, $"row {r}, class {c}");
                Assert.AreEqual(Math.Log((p[c] + q[c]) / 2), mean[r * 3 + c], 1e-5, "the logits are the log of the mean");
            }
        }
        // The recurrent part alone is fc(pooled): the same as the model without the n-gram part.
        var plain = new SequenceModel(Options() with { NgramBuckets = 0, NgramEnsemble = false }, seed: 3);
        var ws = plain.CreateWorkspace();
        plain.Forward(ws, Batch, training: false, null, default, default);
        CollectionAssert.AreEqual(ws.Logits.AsSpan(0, 12).ToArray(), recurrent);
    }

    [TestMethod]
    [DataRow(-1000f, 0.5)]
    [DataRow(1000f, 0.0)]
    public void Forward_EnsembleOfCertainParts_GivesFiniteLogits(float ngramBias, double expected)
    {
        // Each part's softmax is exactly 0 or 1 in float (logits of ±1000); the mean's logits stay finite.
        var model = Model(Options(classes: 2), seed: 5, scale: 0f);
        model.Parameters.GetValues("fc.weight").Clear();
        model.Parameters.SetValues("fc.bias", [-1000f, 1000f]);
        model.Parameters.SetValues("ngram.bias", [-ngramBias, ngramBias]);
        var mean = Logits(model, EnsembleView.Mean);
        Assert.IsTrue(mean.All(float.IsFinite), string.Join(", ", mean));
        for (int r = 0; r < Batch.Length; r++)
        {
            Assert.AreEqual(expected, Softmax(mean.AsSpan(r * 2, 2))[0], 1e-12, $"row {r}");
        }
    }

    [TestMethod]
    [DataRow(SequencePooling.Mean)]
    [DataRow(SequencePooling.Concat)]
    public void ComputeLoss_EnsembleTraining_IsTheSumOfBothPartsLossesAndMatchesFiniteDifferences(SequencePooling pooling)
    {
        var model = Model(Options(pooling: pooling), seed: 7);
        var ws = model.CreateWorkspace();
        double TrainingLoss()
        {
            var metrics = new MetricTotals();
            return model.ComputeLoss(ws, Batch, backward: true, training: false, null, default, default, default, ref metrics);
        }
        model.Parameters.ZeroGradients();
        double loss = TrainingLoss();
        float[] analytic = model.Parameters.Gradients.ToArray();
        Assert.AreEqual(Loss(model, ws, EnsembleView.Recurrent) + Loss(model, ws, EnsembleView.Ngrams), loss, 1e-6);
        Assert.AreNotEqual(Loss(model, ws, EnsembleView.Mean), loss, 1e-3);

        // Central differences of the training loss for every parameter (Concat: max pooling has no kink within 1e-3 here).
        var values = model.Parameters.Values;
        var numeric = new double[model.Parameters.Count];
        for (int i = 0; i < numeric.Length; i++)
        {
            float saved = values[i];
            values[i] = saved + 1e-3f;
            double plus = TrainingLoss();
            values[i] = saved - 1e-3f;
            double minus = TrainingLoss();
            values[i] = saved;
            numeric[i] = (plus - minus) / 2e-3;
        }
        TestAssert.AssertClose(numeric, analytic, 2e-2, 2e-4, "ensemble training loss");
    }

    [TestMethod]
    public void ComputeLoss_EnsembleTraining_GivesEachPartTheGradientOfItsOwnLossOnly()
    {
        var model = Model(Options(), seed: 9);
        var ws = model.CreateWorkspace();
        float[] Gradients()
        {
            model.Parameters.ZeroGradients();
            var metrics = new MetricTotals();
            model.ComputeLoss(ws, Batch, backward: true, training: false, null, default, default, default, ref metrics);
            return model.Parameters.Gradients.ToArray();
        }
        int split = model.NgramPartOffset;
        float[] before = Gradients();
        // Another n-gram bias leaves the recurrent part's gradient exactly as it was, and the reverse.
        model.Parameters.GetValues("ngram.bias")[0] += 0.5f;
        float[] ngramsMoved = Gradients();
        CollectionAssert.AreEqual(before[..split], ngramsMoved[..split]);
        CollectionAssert.AreNotEqual(before[split..], ngramsMoved[split..]);
        model.Parameters.GetValues("fc.weight")[2] += 0.5f;
        float[] recurrentMoved = Gradients();
        CollectionAssert.AreEqual(ngramsMoved[split..], recurrentMoved[split..]);
        CollectionAssert.AreNotEqual(ngramsMoved[..split], recurrentMoved[..split]);
    }

    [TestMethod]
    public void Calibrate_Ensemble_FitsAndFoldsOneTemperaturePerPart()
    {
        var model = Model(Options(), seed: 11, scale: 3f);
        var recurrent = Logits(model, EnsembleView.Recurrent);
        var ngrams = Logits(model, EnsembleView.Ngrams);
        var (t1, t2) = TemperatureScaling.CalibrateParts(model, Batch);
        Assert.AreNotEqual(t1, t2, 1e-3);
        TestAssert.AssertClose(recurrent.Select(v => v / t1).ToArray(), Logits(model, EnsembleView.Recurrent), 1e-4, 1e-5, "recurrent / T1");
        TestAssert.AssertClose(ngrams.Select(v => v / t2).ToArray(), Logits(model, EnsembleView.Ngrams), 1e-4, 1e-5, "n-grams / T2");
    }

    [TestMethod]
    public void Explain_Ensemble_ValuesAddUpToTheScore()
    {
        var model = Model(Options(), seed: 13, scale: 2f);
        var result = new IntegratedGradients(model, steps: 128).Explain([1, 4, 2, 3, 6, 5], targetClass: 2);
        Assert.AreNotEqual(0, result.Score - result.BaselineScore, 1e-3);
        Assert.AreEqual(0, result.CompletenessError, 5e-3 * Math.Max(1, Math.Abs(result.Score - result.BaselineScore)));
    }

    [TestMethod]
    public void Fit_EnsembleWithEarlyStopping_KeepsEachPartsBestWeights()
    {
        var model = Model(Options(classes: 2), seed: 15, scale: 0f);
        var random = new Random(15);
        SequenceExample Example()
        {
            var tokens = Enumerable.Range(0, 2 + random.Next(5)).Select(_ => 1 + random.Next(6)).ToArray();
            return new SequenceExample { Tokens = tokens, Label = tokens.Count(t => t <= 3) * 2 > tokens.Length ? 1 : random.Next(2) };
        }
        var train = Enumerable.Range(0, 48).Select(_ => Example()).ToArray();
        var validation = Enumerable.Range(0, 16).Select(_ => Example()).ToArray();
        var trainer = new SequenceTrainer(model, new TrainerOptions { Epochs = 12, BatchSize = 8, LearningRate = 0.05, EarlyStoppingPatience = 2, Seed = 3 });
        var result = trainer.Fit(train, validation);
        var best = trainer.PartBestLosses!;
        var epochs = trainer.PartBestEpochs!;
        Assert.AreEqual(Math.Max(epochs[0], epochs[1]), result.BestEpoch);
        var ws = model.CreateWorkspace();
        Assert.AreEqual(best[0], Evaluate(model, ws, validation, EnsembleView.Recurrent), 1e-9, "the recurrent part's best weights");
        Assert.AreEqual(best[1], Evaluate(model, ws, validation, EnsembleView.Ngrams), 1e-9, "the n-gram part's best weights");
        Assert.ThrowsExactly<NotSupportedException>(() => trainer.SaveCheckpoint(new MemoryStream()));
    }

    [TestMethod]
    public void Options_EnsembleWithoutNgrams_Throws()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => new SequenceModelOptions { VocabularySize = 5, NgramEnsemble = true }.Validate());
        StringAssert.Contains(e.Message, "NgramBuckets");
    }

    private static double Evaluate(SequenceModel model, ModelWorkspace ws, SequenceExample[] examples, EnsembleView view)
    {
        ws.EnsembleView = view;
        return SequenceEvaluator.Evaluate(model, ws, examples, 64, null).Loss;
    }

    private static float[] Logits(SequenceModel model, EnsembleView view)
    {
        var ws = model.CreateWorkspace();
        ws.EnsembleView = view;
        model.Forward(ws, Batch, training: false, null, default, default);
        return ws.Logits.AsSpan(0, Batch.Length * model.Options.HeadOutputs).ToArray();
    }

    private static double Loss(SequenceModel model, ModelWorkspace ws, EnsembleView view)
    {
        ws.EnsembleView = view;
        var metrics = new MetricTotals();
        double loss = model.ComputeLoss(ws, Batch, backward: false, training: false, null, default, default, default, ref metrics);
        ws.EnsembleView = EnsembleView.Mean;
        return loss;
    }

    private static double[] Softmax(ReadOnlySpan<float> z)
    {
        double max = z.ToArray().Max();
        var e = z.ToArray().Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }
}
