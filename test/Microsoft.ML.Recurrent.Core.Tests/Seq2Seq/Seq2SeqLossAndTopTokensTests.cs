using Microsoft.ML.Recurrent.Seq2Seq;

namespace Microsoft.ML.Recurrent.Tests.Seq2Seq;

/// <summary>
/// The vectorised label-smoothed cross-entropy against a plain double-precision evaluation of PyTorch's formula, and the
/// beam's top-token selection against a full sort.
/// </summary>
[TestClass]
public sealed class Seq2SeqLossAndTopTokensTests
{
    [TestMethod]
    [DataRow(0f)]
    [DataRow(0.1f)]
    public void Compute_RandomLogits_MatchesTheFormulaInDouble(float smoothing)
    {
        const int rows = 5, classes = 1000;
        var rng = new Random(3);
        float[] logits = [.. Enumerable.Range(0, rows * classes).Select(_ => (float)(rng.NextDouble() * 20 - 10))];
        int[] targets = [.. Enumerable.Range(0, rows).Select(_ => rng.Next(classes))];
        var gradient = new float[rows * classes];
        double loss = LabelSmoothedLoss.Compute(logits, targets, rows, classes, smoothing, gradient, 0.5f);
        double lossOnly = LabelSmoothedLoss.Compute(logits, targets, rows, classes, smoothing, default, 0f);
        double expected = 0;
        for (int r = 0; r < rows; r++)
        {
            var z = logits.AsSpan(r * classes, classes).ToArray();
            double max = z.Max(), lse = max + Math.Log(z.Sum(x => Math.Exp(x - max)));
            expected += (1 - smoothing) * (lse - z[targets[r]]) + smoothing * (lse - z.Average(x => (double)x));
            for (int c = 0; c < classes; c++)
            {
                double want = 0.5 * (Math.Exp(z[c] - lse) - smoothing / classes - (c == targets[r] ? 1 - smoothing : 0));
                Assert.AreEqual(want, gradient[r * classes + c], 1e-6, $"row {r} class {c}");
            }
        }
        Assert.AreEqual(expected, loss, 1e-4 * rows);
        Assert.AreEqual(loss, lossOnly, "the loss does not depend on whether the gradient is written");
    }

    [TestMethod]
    public void MaxAndSum_AnyLengthAndNaN_MatchesTensorPrimitives()
    {
        var rng = new Random(7);
        foreach (int length in new[] { 1, 3, 7, 8, 9, 16, 17, 100, 8000 })
        {
            float[] z = [.. Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 20 - 15))];
            float max = LabelSmoothedLoss.MaxAndSum(z, out float sum);
            Assert.AreEqual(System.Numerics.Tensors.TensorPrimitives.Max(z), max, $"max, length {length}");
            Assert.AreEqual(z.Sum(v => (double)v), sum, 1e-5 * length + 1e-5, $"sum, length {length}");
            z[length / 2] = float.NaN;
            LabelSmoothedLoss.MaxAndSum(z, out float nanSum);
            Assert.IsTrue(float.IsNaN(nanSum), $"a NaN reaches the sum, length {length}");
        }
    }

    [TestMethod]
    public void TopTokens_RandomLogitsWithTiesAndNaN_EqualsAStableDescendingSort()
    {
        var rng = new Random(9);
        for (int trial = 0; trial < 200; trial++)
        {
            int v = 1 + rng.Next(40);
            // Few distinct values so that ties are common; NaN now and then.
            float[] z = [.. Enumerable.Range(0, v).Select(_ => rng.Next(12) == 0 ? float.NaN : rng.Next(6))];
            int count = 1 + rng.Next(8);
            int[] expected = [.. Enumerable.Range(0, v).OrderByDescending(i => float.IsNaN(z[i]) ? float.NegativeInfinity : z[i])
                .ThenBy(i => float.IsNaN(z[i]) ? 1 : 0).ThenBy(i => i).Take(count)];
            CollectionAssert.AreEqual(expected, Seq2SeqModel.TopTokens(z, count), $"trial {trial}: [{string.Join(", ", z)}] top {count}");
        }
    }
}
