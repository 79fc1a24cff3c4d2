using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Tests.Models;

/// <summary>The n-gram ensemble's naive Bayes start (InitializeNgramsWithNaiveBayes), checked against the formula counted by hand.</summary>
[TestClass]
public sealed class NgramNaiveBayesTests
{
    private const int Buckets = 64;

    private static SequenceModel Model(int classes = 2, bool ensemble = true) => new(new SequenceModelOptions
    {
        VocabularySize = 8, EmbeddingSize = 3, HiddenSize = 4, OutputSize = classes,
        NgramBuckets = Buckets, NgramMaxLength = 2, NgramEnsemble = ensemble,
    }, seed: 1);

    private static readonly SequenceExample[] Rows =
    [
        SequenceExample.ForClassification([1, 2, 1, 2], 0), // unigrams 1, 2 (twice each) and bigrams 1 2 (twice), 2 1
        SequenceExample.ForClassification([1, 3], 0),
        SequenceExample.ForClassification([4, 3], 1),
        new() { Tokens = [5, 6, 7] },                      // unlabelled: not counted
    ];

    // The bucket of an n-gram, as the model hashes it.
    private static int Bucket(params int[] ids) => SequenceModel.NgramBucket(ids, Buckets);

    [TestMethod]
    public void InitializeNgramsWithNaiveBayes_SetsEachBucketToItsCentredSmoothedLogLikelihood()
    {
        var model = Model();
        var recurrentBefore = model.Parameters.Values.AsSpan(0, model.NgramPartOffset).ToArray();
        model.InitializeNgramsWithNaiveBayes(Rows, smoothing: 0.5);

        // Binarised counts per class: class 0 holds {1, 2, (1 2), (2 1)} and {1, 3, (1 3)}; class 1 holds {4, 3, (4 3)}.
        int[][] grams = [[1], [2], [3], [4], [1, 2], [2, 1], [1, 3], [4, 3]];
        var counts = new Dictionary<int, double[]>();
        void Count(int[] gram, int label) => (counts.TryGetValue(Bucket(gram), out var c) ? c : counts[Bucket(gram)] = new double[2])[label]++;
        foreach (var g in new[] { grams[0], grams[1], grams[4], grams[5], grams[0], grams[2], grams[6] })
        {
            Count(g, 0);
        }
        foreach (var g in new[] { grams[3], grams[2], grams[7] })
        {
            Count(g, 1);
        }
        double[] perClass = [7, 3];
        int used = counts.Count;
        var weight = model.Parameters.GetValues("ngram.weight");
        for (int b = 0; b < Buckets; b++)
        {
            if (!counts.TryGetValue(b, out var n))
            {
                Assert.AreEqual(0f, weight[b * 2], $"bucket {b} holds no n-gram: 0");
                Assert.AreEqual(0f, weight[b * 2 + 1], $"bucket {b} holds no n-gram: 0");
                continue;
            }
            double l0 = Math.Log((0.5 + n[0]) / (0.5 * used + perClass[0]));
            double l1 = Math.Log((0.5 + n[1]) / (0.5 * used + perClass[1]));
            Assert.AreEqual((l0 - l1) / 2, weight[b * 2], 1e-6, $"bucket {b}, class 0");
            Assert.AreEqual((l1 - l0) / 2, weight[b * 2 + 1], 1e-6, $"bucket {b}, class 1");
        }
        var bias = model.Parameters.GetValues("ngram.bias");
        // (1 + 2) / (3 + 2) against (1 + 1) / (3 + 2), divided by the square root of the mean n-gram occurrences of the three
        // counted rows: 4 + 3, 2 + 1 and 2 + 1 (unigrams and bigrams), 13 / 3.
        double prior = (Math.Log(3.0 / 5) - Math.Log(2.0 / 5)) / 2 / Math.Sqrt(13.0 / 3);
        Assert.AreEqual(prior, bias[0], 1e-6);
        Assert.AreEqual(-prior, bias[1], 1e-6);
        CollectionAssert.AreEqual(recurrentBefore, model.Parameters.Values.AsSpan(0, model.NgramPartOffset).ToArray(), "the recurrent part is left as it was");
    }

    [TestMethod]
    public void InitializeNgramsWithNaiveBayes_ThenTheNgramPartAlone_PredictsTheClassWhoseWordsARowHolds()
    {
        var model = Model();
        model.InitializeNgramsWithNaiveBayes(Rows);
        var ws = model.CreateWorkspace();
        ws.EnsembleView = EnsembleView.Ngrams;
        model.Forward(ws, new[] { SequenceExample.ForPrediction([1, 2]), SequenceExample.ForPrediction([4]) }, training: false, null, default, default);
        var logits = ws.Logits;
        Assert.IsTrue(logits[0] > logits[1], "1 and 2 occur in class 0 only");
        Assert.IsTrue(logits[3] > logits[2], "4 occurs in class 1 only");
    }

    [TestMethod]
    public void InitializeNgramsWithNaiveBayes_RefusesWhatItCannotCount()
    {
        var model = Model(classes: 2);
        Assert.ThrowsExactly<InvalidOperationException>(() => Model(ensemble: false).InitializeNgramsWithNaiveBayes(Rows));
        var error = Assert.ThrowsExactly<ArgumentException>(() => model.InitializeNgramsWithNaiveBayes([SequenceExample.ForClassification([1], 2)]));
        StringAssert.Contains(error.Message, "labels 0 to 1");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.InitializeNgramsWithNaiveBayes(Rows, smoothing: 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.InitializeNgramsWithNaiveBayes(Rows, smoothing: double.NaN));
        Assert.ThrowsExactly<ArgumentException>(() => model.InitializeNgramsWithNaiveBayes([new SequenceExample { Label = 0 }]));
    }
}
