using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Tests.Models;

[TestClass]
public sealed class CrossEntropyLossTests
{
    // 4 rows, 3 classes; row 2 is ignored (padding).
    private static readonly float[] Logits = [1f, 2f, 0.5f, -1f, 0f, 3f, 9f, 9f, 9f, 0.2f, 0.2f, -0.4f];
    private static readonly int[] Targets = [1, 0, -1, 2];
    private static readonly float[] Weights = [0.5f, 2f, 1f];

    // The exps are float, as PyTorch's are (their sums and the loss are double): against a double reference the loss agrees to float's precision.
    private const double FloatExp = 1e-7;

    [TestMethod]
    public void Forward_Mean_IsOneMeanOverCountedRows()
    {
        double[] rows = RowLosses();
        double expected = (rows[0] + rows[1] + rows[3]) / 3;
        Assert.AreEqual(expected, CrossEntropyLoss.Forward(Logits, Targets, 3), FloatExp);
    }

    [TestMethod]
    public void Forward_Sum_IsSumOverCountedRows()
    {
        double[] rows = RowLosses();
        Assert.AreEqual(rows[0] + rows[1] + rows[3], CrossEntropyLoss.Forward(Logits, Targets, 3, LossReduction.Sum), FloatExp);
    }

    [TestMethod]
    public void Forward_ClassWeights_IsPyTorchWeightedMean()
    {
        double[] rows = RowLosses();
        double expected = (2.0 * rows[0] + 0.5 * rows[1] + 1.0 * rows[3]) / (2.0 + 0.5 + 1.0);
        Assert.AreEqual(expected, CrossEntropyLoss.Forward(Logits, Targets, 3, LossReduction.Mean, Weights), FloatExp);
        double expectedSum = 2.0 * rows[0] + 0.5 * rows[1] + 1.0 * rows[3];
        Assert.AreEqual(expectedSum, CrossEntropyLoss.Forward(Logits, Targets, 3, LossReduction.Sum, Weights), FloatExp);
    }

    [TestMethod]
    public void Forward_TwoSequencesOfDifferentLength_IsNotMeanOfSequenceMeans()
    {
        // Sequence A has 1 valid step, sequence B has 3: the pooled mean weights B's steps equally with A's.
        float[] logits = [2f, 0f, 0f, 2f, 0f, 2f, 0f, 2f];
        int[] targets = [1, 1, 1, 1];
        double a = Math.Log(1 + Math.Exp(2)); // wrong class by 2
        double b = Math.Log(1 + Math.Exp(-2)); // right class by 2
        double loss = CrossEntropyLoss.Forward(logits, targets, 2);
        Assert.AreEqual((a + 3 * b) / 4, loss, FloatExp);
        Assert.AreNotEqual((a + b) / 2, loss, 1e-3);
    }

    [TestMethod]
    public void ForwardBackward_Gradient_MatchesHandFormulaAndIgnoresMaskedRows()
    {
        var d = new float[Logits.Length];
        Array.Fill(d, 1f);
        double loss = CrossEntropyLoss.ForwardBackward(Logits, Targets, 3, d, LossReduction.Mean, Weights);
        Assert.AreEqual(CrossEntropyLoss.Forward(Logits, Targets, 3, LossReduction.Mean, Weights), loss, 1e-12);
        var expected = new double[Logits.Length];
        double weightSum = 3.5;
        for (int r = 0; r < 4; r++)
        {
            for (int j = 0; j < 3; j++)
            {
                expected[r * 3 + j] = 1.0;
                if (Targets[r] >= 0)
                {
                    double softmax = Math.Exp(Logits[r * 3 + j]) / (Math.Exp(Logits[r * 3]) + Math.Exp(Logits[r * 3 + 1]) + Math.Exp(Logits[r * 3 + 2]));
                    expected[r * 3 + j] += Weights[Targets[r]] * (softmax - (j == Targets[r] ? 1 : 0)) / weightSum;
                }
            }
        }
        TestAssert.AssertClose(expected, d, 1e-6, 1e-7, "dLogits");
    }

    [TestMethod]
    [DataRow(LossReduction.Mean, false)]
    [DataRow(LossReduction.Sum, false)]
    [DataRow(LossReduction.Mean, true)]
    public void ForwardBackward_Gradient_MatchesFiniteDifferences(LossReduction reduction, bool weighted)
    {
        float[] weights = weighted ? Weights : [];
        var d = new float[Logits.Length];
        CrossEntropyLoss.ForwardBackward(Logits, Targets, 3, d, reduction, weights);
        var numeric = new double[Logits.Length];
        const float h = 1e-2f;
        for (int k = 0; k < Logits.Length; k++)
        {
            float[] plus = (float[])Logits.Clone();
            float[] minus = (float[])Logits.Clone();
            plus[k] += h;
            minus[k] -= h;
            double fPlus = CrossEntropyLoss.Forward(plus, Targets, 3, reduction, weights);
            double fMinus = CrossEntropyLoss.Forward(minus, Targets, 3, reduction, weights);
            numeric[k] = (fPlus - fMinus) / (plus[k] - minus[k]);
        }
        TestAssert.AssertClose(numeric, d, 1e-3, 1e-5, "finite differences");
    }

    [TestMethod]
    public void Forward_ExtremeLogits_IsStable()
    {
        float[] logits = [1000f, -1000f, 0f, 1000f];
        double loss = CrossEntropyLoss.Forward(logits, [1, 1], 2);
        Assert.AreEqual((2000 + 0) / 2.0, loss, 1e-9);
        var d = new float[4];
        CrossEntropyLoss.ForwardBackward(logits, [1, 1], 2, d);
        TestAssert.AssertClose(new[] { 0.5, -0.5, 0, 0 }, d, 0, 1e-12, "extreme gradient");
    }

    [TestMethod]
    public void ForwardBackward_AllRowsIgnored_ReturnsZeroAndNoGradient()
    {
        var d = new float[4];
        Assert.AreEqual(0.0, CrossEntropyLoss.ForwardBackward([1f, 2f, 3f, 4f], [-1, -100], 2, d));
        Assert.IsTrue(d.All(x => x == 0));
    }

    [TestMethod]
    public void Forward_TargetOutOfRange_ThrowsNamingValueAndRange()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CrossEntropyLoss.Forward(Logits, [1, 0, 3, 2], 3));
        Assert.AreEqual("targets", ex.ParamName);
        StringAssert.Contains(ex.Message, "targets[2] = 3");
        StringAssert.Contains(ex.Message, "0 to 2");
    }

    [TestMethod]
    public void Forward_ShapeMismatch_Throws()
    {
        Assert.AreEqual("logits", Assert.ThrowsExactly<ArgumentException>(() => CrossEntropyLoss.Forward(Logits, [1, 0], 3)).ParamName);
        Assert.AreEqual("classWeights",
            Assert.ThrowsExactly<ArgumentException>(() => CrossEntropyLoss.Forward(Logits, Targets, 3, LossReduction.Mean, [1f])).ParamName);
        Assert.AreEqual("dLogits",
            Assert.ThrowsExactly<ArgumentException>(() => CrossEntropyLoss.ForwardBackward(Logits, Targets, 3, new float[2])).ParamName);
    }

    private static double[] RowLosses()
    {
        var result = new double[4];
        for (int r = 0; r < 4; r++)
        {
            double sum = 0;
            for (int j = 0; j < 3; j++)
            {
                sum += Math.Exp(Logits[r * 3 + j]);
            }
            result[r] = Targets[r] < 0 ? double.NaN : Math.Log(sum) - Logits[r * 3 + Targets[r]];
        }
        return result;
    }
}
