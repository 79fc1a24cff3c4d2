using Microsoft.ML.Recurrent.Explainability;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Models;

/// <summary>
/// The wide part of a wide-and-deep classifier (a linear model over hashed token n-grams): forward against a direct sum,
/// L2-normalised over the occurrences, backward against central finite differences, the fixed hash, temperature folding and exact attributions.
/// </summary>
[TestClass]
public sealed class NgramModelTests
{
    private static SequenceModelOptions Options(int classes = 3, SequencePooling pooling = SequencePooling.Max, int maxLength = 3) => new()
    {
        VocabularySize = 7, EmbeddingSize = 3, HiddenSize = 4, Bidirectional = true, OutputSize = classes, Pooling = pooling,
        NgramBuckets = 11, NgramMaxLength = maxLength,
    };

    // The n-gram weights start at zero; tests give them values of their own.
    private static SequenceModel Model(SequenceModelOptions options, int seed)
    {
        var model = new SequenceModel(options, seed);
        Assert.IsTrue(model.Parameters.GetValues("ngram.weight").ToArray().All(v => v == 0f), "ngram.weight starts at zero");
        var wide = model.Parameters.GetValues("ngram.weight");
        var random = new Random(seed);
        for (int i = 0; i < wide.Length; i++)
        {
            wide[i] = (float)(random.NextDouble() * 2 - 1);
        }
        return model;
    }

    private static readonly SequenceExample[] Batch =
    [
        new() { Tokens = [2, 1, 3, 2, 1], Label = 0 },
        new() { Tokens = [4], Label = 1 },
        new() { Tokens = [5, 6, 5], Label = 2 },
    ];

    [TestMethod]
    public void Forward_NgramPart_AddsEveryOccurrencesBucketRow()
    {
        var model = Model(Options(), seed: 3);
        var ws = model.CreateWorkspace();
        model.Forward(ws, Batch, training: false, null, default, default);
        float[] wide = ws.Logits.AsSpan(0, 9).ToArray();
        var weights = model.Parameters.GetValues("ngram.weight").ToArray();
        model.Parameters.GetValues("ngram.weight").Clear();
        model.Forward(ws, Batch, training: false, null, default, default);
        float[] deep = ws.Logits.AsSpan(0, 9).ToArray();
        for (int b = 0; b < Batch.Length; b++)
        {
            int[] t = Batch[b].Tokens!;
            var expected = new double[3];
            int occurrences = Enumerable.Range(1, 3).Sum(n => Math.Max(0, t.Length - n + 1));
            for (int n = 1; n <= 3; n++)
            {
                for (int i = 0; i + n <= t.Length; i++)
                {
                    int bucket = SequenceModel.NgramBucket(t.AsSpan(i, n), 11);
                    for (int c = 0; c < 3; c++)
                    {
                        expected[c] += weights[bucket * 3 + c] / Math.Sqrt(occurrences);
                    }
                }
            }
            for (int c = 0; c < 3; c++)
            {
                Assert.AreEqual(expected[c], wide[b * 3 + c] - deep[b * 3 + c], 1e-5, $"sequence {b}, class {c}");
            }
        }
    }

    [TestMethod]
    [DataRow(SequencePooling.Max, 2)]
    [DataRow(SequencePooling.Last, 3)]
    [DataRow(SequencePooling.Concat, 1)]
    public void ComputeLoss_WithNgrams_MatchesFiniteDifferences(SequencePooling pooling, int maxLength)
    {
        var model = Model(Options(pooling: pooling, maxLength: maxLength), seed: 5);
        ModelGradientCheck.AssertGradientsMatch(model, Batch, probesPerTensor: 8);
        // Every n-gram weight (most buckets are hit, some twice by different n-grams).
        var ws = model.CreateWorkspace();
        model.Parameters.ZeroGradients();
        var metrics = new MetricTotals();
        model.ComputeLoss(ws, Batch, backward: true, training: false, null, default, default, default, ref metrics);
        var info = model.Parameters.GetInfo("ngram.weight");
        float[] analytic = model.Parameters.GetGradients(info).ToArray();
        double[] numeric = Numeric(model.Parameters.Values, info.Offset, info.Length, 1e-2f, () => Loss(model, ws));
        Assert.IsTrue(analytic.Count(g => g != 0) > 5, "some n-gram weights get a gradient");
        TestAssert.AssertClose(numeric, analytic, 1e-2, 1e-4, "ngram.weight");
    }

    [TestMethod]
    public void ComputeLoss_Ensemble_IsBothPartsLossesAndMatchesFiniteDifferences()
    {
        // Mean pooling: no max-pooling kink within the finite-difference step.
        var model = Model(Options(pooling: SequencePooling.Mean), seed: 13);
        var ws = model.CreateWorkspace();
        double joint = Loss(model, ws);
        model.NgramEnsemble = true;
        double TrainingLoss()
        {
            var metrics = new MetricTotals();
            return model.ComputeLoss(ws, Batch, backward: true, training: false, null, default, default, default, ref metrics);
        }
        model.Parameters.ZeroGradients();
        double ensemble = TrainingLoss();
        float[] analytic = model.Parameters.Gradients.ToArray();
        // The two parts' losses, each on its own: the recurrent part without the n-grams, the n-gram part with the bias only.
        var wide = model.Parameters.GetValues("ngram.weight").ToArray();
        model.NgramEnsemble = false;
        model.Parameters.GetValues("ngram.weight").Clear();
        double deep = Loss(model, ws);
        wide.CopyTo(model.Parameters.GetValues("ngram.weight"));
        var head = model.Parameters.GetValues("fc.weight").ToArray();
        model.Parameters.GetValues("fc.weight").Clear();
        double linear = Loss(model, ws);
        head.CopyTo(model.Parameters.GetValues("fc.weight"));
        Assert.AreEqual(deep + linear, ensemble, 1e-5);
        Assert.AreNotEqual(joint, ensemble, 1e-3);

        model.NgramEnsemble = true;
        double[] numeric = Numeric(model.Parameters.Values, 0, model.Parameters.Values.Length, 1e-3f, TrainingLoss);
        TestAssert.AssertClose(numeric, analytic, 2e-2, 2e-4, "ensemble loss");
    }

    [TestMethod]
    public void FoldNgramEnsemble_AfterTraining_PredictsTheEnsemblesMean()
    {
        var model = Model(Options(), seed: 17);
        var ws = model.CreateWorkspace();
        model.Forward(ws, Batch, training: false, null, default, default);
        float[] joint = ws.Logits.AsSpan(0, 9).ToArray();
        model.NgramEnsemble = true;
        model.Forward(ws, Batch, training: false, null, default, default);
        float[] mixed = ws.Logits.AsSpan(0, 9).ToArray();
        CollectionAssert.AreNotEqual(joint, mixed);
        model.FoldNgramEnsemble();
        Assert.IsFalse(model.NgramEnsemble);
        model.Forward(ws, Batch, training: false, null, default, default);
        TestAssert.AssertClose(mixed, ws.Logits.AsSpan(0, 9), 1e-5, 1e-6, "folded = mean of the two parts");
    }

    [TestMethod]
    public void NgramBucket_FixedInputs_GiveTheFormatsBuckets()
    {
        // Saved models depend on these values: changing the hash breaks every saved wide model.
        Assert.AreEqual(SequenceModel.NgramBucket([1], 1 << 22), SequenceModel.NgramBucket([1], 1 << 22));
        int[] buckets = [SequenceModel.NgramBucket([1], 1 << 20), SequenceModel.NgramBucket([1, 2], 1 << 20), SequenceModel.NgramBucket([2, 1], 1 << 20), SequenceModel.NgramBucket([7, 7, 7], 1 << 20)];
        CollectionAssert.AreEqual(new[] { Expected[0], Expected[1], Expected[2], Expected[3] }, buckets, string.Join(", ", buckets));
        Assert.AreEqual(4, buckets.Distinct().Count());
    }

    private static readonly int[] Expected = [1028597, 949413, 461165, 620429];

    [TestMethod]
    public void TemperatureApply_NgramModel_DividesEveryLogit()
    {
        var model = Model(Options(), seed: 7);
        var ws = model.CreateWorkspace();
        model.Forward(ws, Batch, training: false, null, default, default);
        float[] before = ws.Logits.AsSpan(0, 9).ToArray();
        TemperatureScaling.Apply(model, 2.0);
        model.Forward(ws, Batch, training: false, null, default, default);
        TestAssert.AssertClose(before.Select(v => v / 2.0).ToArray(), ws.Logits.AsSpan(0, 9), 1e-5, 1e-6, "logits / T");
    }

    [TestMethod]
    public void Explain_LinearPartOnly_AttributesExactlyToTheNgramsTokens()
    {
        // With fc.weight zero the recurrent part gives a constant: the score is the bias plus the n-gram part, so each
        // token's value is the share of every n-gram it is in (weight of class 1 - weight of class 0, over n).
        var model = Model(Options(classes: 2, maxLength: 2), seed: 9);
        model.Parameters.GetValues("fc.weight").Clear();
        int[] tokens = [2, 5, 2, 6];
        var result = new IntegratedGradients(model, steps: 4).Explain(tokens, targetClass: 1);
        var w = model.Parameters.GetValues("ngram.weight").ToArray();
        var expected = new double[tokens.Length];
        for (int n = 1; n <= 2; n++)
        {
            for (int i = 0; i + n <= tokens.Length; i++)
            {
                int bucket = SequenceModel.NgramBucket(tokens.AsSpan(i, n), 11);
                for (int t = i; t < i + n; t++)
                {
                    expected[t] += (w[bucket * 2 + 1] - w[bucket * 2]) / n / Math.Sqrt(7); // 4 unigrams + 3 bigrams
                }
            }
        }
        TestAssert.AssertClose(expected, result.Values.ToArray(), 1e-4, 1e-5, "n-gram attributions");
        Assert.AreEqual(0, result.CompletenessError, 1e-4);
    }

    [TestMethod]
    public void Explain_WideAndDeep_ValuesAddUpToTheScore()
    {
        var model = Model(Options(classes: 3), seed: 11);
        var result = new IntegratedGradients(model, steps: 64).Explain([1, 4, 2, 3, 6, 5], targetClass: 2);
        Assert.AreEqual(0, result.CompletenessError, 2e-2 * Math.Max(1, Math.Abs(result.Score - result.BaselineScore)));
    }

    [TestMethod]
    public void Options_NgramsOnTaggingOrOutOfRange_Throw()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SequenceModelOptions { Task = SequenceTask.Tagging, VocabularySize = 5, NgramBuckets = 8 }.Validate());
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SequenceModelOptions { InputFeatures = 2, NgramBuckets = 8 }.Validate());
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SequenceModelOptions { VocabularySize = 5, NgramBuckets = SequenceModelOptions.MaxNgramBuckets + 1 }.Validate());
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SequenceModelOptions { VocabularySize = 5, NgramBuckets = 8, NgramMaxLength = 5 }.Validate());
    }

    // Central differences of the loss for values [offset, offset + count).
    private static double[] Numeric(float[] values, int offset, int count, float h, Func<double> loss)
    {
        var numeric = new double[count];
        for (int i = 0; i < count; i++)
        {
            float saved = values[offset + i];
            values[offset + i] = saved + h;
            double plus = loss();
            values[offset + i] = saved - h;
            double minus = loss();
            values[offset + i] = saved;
            numeric[i] = (plus - minus) / (2 * h);
        }
        return numeric;
    }

    private static double Loss(SequenceModel model, ModelWorkspace ws)
    {
        var metrics = new MetricTotals();
        return model.ComputeLoss(ws, Batch, backward: false, training: false, null, default, default, default, ref metrics);
    }
}
