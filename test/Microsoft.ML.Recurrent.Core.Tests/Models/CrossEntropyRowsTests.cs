using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Tests.Models;

/// <summary>
/// The vectorised, row-parallel softmax cross-entropy behind <see cref="CrossEntropyLoss"/> and every classifier, tagger
/// and language model: a language model's vocabulary wide (every vector width's tail included), against a double
/// reference, the same bits on any thread count and in both gradient modes.
/// </summary>
[TestClass]
public sealed class CrossEntropyRowsTests
{
    // 37 rows of 9,601 classes: five blocks of eight rows and a partial one; 9,601 leaves a tail at every width.
    private const int Rows = 37, Classes = 9_601;

    [TestMethod]
    public void Add_VocabularyWideRows_MatchDoubleReference()
    {
        var (logits, targets, weights) = Batch(seed: 1);
        double scale = 1.0 / 3;
        var d = new float[logits.Length];
        double total = 0;
        long correct = 0;
        CrossEntropyRows.Add(logits, targets, Classes, d, overwrite: false, scale, weights, countCorrect: false, ref total, ref correct);

        double expectedTotal = 0;
        var expected = new double[logits.Length];
        for (int r = 0; r < Rows; r++)
        {
            if (targets[r] < 0)
            {
                continue;
            }
            var z = logits.AsSpan(r * Classes, Classes);
            double max = z.ToArray().Max(), sum = 0;
            foreach (float v in z)
            {
                sum += Math.Exp(v - max);
            }
            double lse = max + Math.Log(sum), w = weights[targets[r]];
            expectedTotal += w * (lse - z[targets[r]]);
            for (int j = 0; j < Classes; j++)
            {
                expected[r * Classes + j] = w * scale * (Math.Exp(z[j] - lse) - (j == targets[r] ? 1 : 0));
            }
        }
        Assert.AreEqual(expectedTotal, total, 1e-6 * Math.Abs(expectedTotal));
        TestAssert.AssertClose(expected, d, 1e-5, 1e-10, "gradient");
        // The -200 logits get 0 exactly (not a denormal); the ignored rows are untouched.
        int low = Enumerable.Range(5 * Classes, Classes).First(i => i % 97 == 17 && i != 5 * Classes + targets[5]);
        Assert.AreEqual(0f, d[low]);
        Assert.IsTrue(d.AsSpan(3 * Classes, Classes).IndexOfAnyExcept(0f) < 0, "ignored row");
    }

    [TestMethod]
    public void Add_OneTwoThreeThreads_SameBits()
    {
        var (logits, targets, weights) = Batch(seed: 2);
        int saved = ComputeSettings.MaxThreads;
        try
        {
            (double Total, float[] Gradient)? first = null;
            foreach (int threads in new[] { 1, 2, 3 })
            {
                ComputeSettings.MaxThreads = threads;
                var d = new float[logits.Length];
                double total = 0;
                long correct = 0;
                CrossEntropyRows.Add(logits, targets, Classes, d, overwrite: true, 0.01, weights, countCorrect: true, ref total, ref correct);
                if (first is { } f)
                {
                    Assert.AreEqual(BitConverter.DoubleToInt64Bits(f.Total), BitConverter.DoubleToInt64Bits(total), $"loss on {threads} threads");
                    TestAssert.AssertBitIdentical(f.Gradient, d, $"gradient on {threads} threads");
                }
                first ??= (total, d);
            }
        }
        finally
        {
            ComputeSettings.MaxThreads = saved;
        }
    }

    [TestMethod]
    public void Add_OverwriteOnDirtyBuffer_SameBitsAsAddingToClearedOne()
    {
        var (logits, targets, weights) = Batch(seed: 3);
        var added = new float[logits.Length];
        var written = Enumerable.Repeat(123f, logits.Length).ToArray();
        double addedTotal = 0, writtenTotal = 0;
        long correct = 0;
        CrossEntropyRows.Add(logits, targets, Classes, added, overwrite: false, 0.5, weights, countCorrect: false, ref addedTotal, ref correct);
        CrossEntropyRows.Add(logits, targets, Classes, written, overwrite: true, 0.5, weights, countCorrect: false, ref writtenTotal, ref correct);
        Assert.AreEqual(addedTotal, writtenTotal);
        TestAssert.AssertBitIdentical(added, written, "overwritten gradient (ignored rows zero)");
    }

    [TestMethod]
    public void Add_CountCorrect_CountsCountedRowsWhoseLargestLogitIsTheTarget()
    {
        var (logits, targets, _) = Batch(seed: 4);
        int expected = 0;
        for (int r = 0; r < Rows; r++)
        {
            if (r % 2 == 0 && targets[r] >= 0)
            {
                logits[r * Classes + targets[r]] = 100f; // the target is the largest
                expected++;
            }
        }
        double total = 0;
        long correct = 0;
        CrossEntropyRows.Add(logits, targets, Classes, default, overwrite: true, 1, default, countCorrect: true, ref total, ref correct);
        Assert.AreEqual(expected, correct);
    }

    [TestMethod]
    public void OrderedSum_AnyLength_IsTheEightLaneOrder()
    {
        var rng = new Random(5);
        foreach (int n in new[] { 0, 1, 7, 8, 9, 31, 1000, 9_601 })
        {
            // Magnitudes from 1e-6 to 1e6: another order of the additions would round differently.
            float[] values = Enumerable.Range(0, n).Select(_ => (float)(Math.Pow(10, rng.Next(-6, 7)) * rng.NextDouble())).ToArray();
            var lanes = new double[8];
            for (int j = 0; j < n; j++)
            {
                lanes[j % 8] += values[j];
            }
            double expected = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
            Assert.AreEqual(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(CrossEntropyRows.OrderedSum(values)), $"length {n}");
        }
    }

    /// <summary>
    /// Logits in [-30, 30] with some at -200 (below exp's float range); row 3 ignored, row 11 ignored with -100; class
    /// weights in [0.5, 2].
    /// </summary>
    internal static (float[] Logits, int[] Targets, float[] Weights) Batch(int seed, int rows = Rows, int classes = Classes)
    {
        var rng = new Random(seed);
        var logits = new float[rows * classes];
        for (int i = 0; i < logits.Length; i++)
        {
            logits[i] = i % 97 == 17 ? -200f : (float)(rng.NextDouble() * 60 - 30);
        }
        var targets = Enumerable.Range(0, rows).Select(r => r == 3 ? -1 : r == 11 % rows ? -100 : rng.Next(classes)).ToArray();
        var weights = Enumerable.Range(0, classes).Select(_ => (float)(0.5 + rng.NextDouble() * 1.5)).ToArray();
        return (logits, targets, weights);
    }
}
