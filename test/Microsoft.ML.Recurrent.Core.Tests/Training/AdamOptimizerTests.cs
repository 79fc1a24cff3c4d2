using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Training;

[TestClass]
public sealed class AdamOptimizerTests
{
    [TestMethod]
    public void Step_FirstStepConstantGradient_MovesByExactlyLr()
    {
        var adam = new AdamOptimizer(1, new AdamOptions { LearningRate = 0.01 });
        float[] p = [1f];
        adam.Step(p, [0.5f]);
        // m_hat / sqrt(v_hat) = 1, so the first step is -lr (eps changes it by ~2e-8 relative).
        Assert.AreEqual(0.99, p[0], 1e-7);
        adam.Step(p, [0.5f]);
        adam.Step(p, [0.5f]);
        // With a constant gradient m_hat = g and v_hat = g^2 at every step, so each step is -lr.
        Assert.AreEqual(0.97, p[0], 1e-6);
    }

    [TestMethod]
    [DataRow(0.0, false)]
    [DataRow(0.1, false)]
    [DataRow(0.0, true)]
    [DataRow(0.1, true)]
    public void Step_Variants_MatchReference(double weightDecay, bool amsgrad)
    {
        var options = new AdamOptions { LearningRate = 0.01, WeightDecay = weightDecay, AmsGrad = amsgrad };
        var actual = OptimizerTestData.RunThreeSteps(new AdamOptimizer(4, options));
        OptimizerTestData.AssertSteps(Reference(0.01, 0.9, 0.999, 1e-8, weightDecay, amsgrad, decoupled: false), actual, "adam");
    }

    [TestMethod]
    public void Step_CustomBetasAndLargeEpsilon_MatchReference()
    {
        var options = new AdamOptions { LearningRate = 0.05, Beta1 = 0.5, Beta2 = 0.9, Epsilon = 0.1 };
        var actual = OptimizerTestData.RunThreeSteps(new AdamOptimizer(4, options));
        OptimizerTestData.AssertSteps(Reference(0.05, 0.5, 0.9, 0.1, 0, false, decoupled: false), actual, "adam betas");
    }

    [TestMethod]
    [DataRow(0.01, false)]
    [DataRow(0.5, false)]
    [DataRow(0.5, true)]
    public void AdamW_Step_DecoupledDecay_MatchesReference(double weightDecay, bool amsgrad)
    {
        var options = new AdamOptions { LearningRate = 0.01, WeightDecay = weightDecay, AmsGrad = amsgrad };
        var actual = OptimizerTestData.RunThreeSteps(new AdamWOptimizer(4, options));
        OptimizerTestData.AssertSteps(Reference(0.01, 0.9, 0.999, 1e-8, weightDecay, amsgrad, decoupled: true), actual, "adamw");
    }

    [TestMethod]
    public void AdamW_DifferentFromAdamWithL2()
    {
        var options = new AdamOptions { LearningRate = 0.01, WeightDecay = 0.5 };
        var adam = OptimizerTestData.RunThreeSteps(new AdamOptimizer(4, options));
        var adamW = OptimizerTestData.RunThreeSteps(new AdamWOptimizer(4, options));
        Assert.IsGreaterThan(1e-4, Math.Abs(adam[2][3] - adamW[2][3]));
    }

    [TestMethod]
    public void Defaults_AreTorchDefaults()
    {
        var adam = new AdamOptions();
        Assert.AreEqual(1e-3, adam.LearningRate);
        Assert.AreEqual(0.9, adam.Beta1);
        Assert.AreEqual(0.999, adam.Beta2);
        Assert.AreEqual(1e-8, adam.Epsilon);
        Assert.AreEqual(0.0, adam.WeightDecay);
        Assert.IsFalse(adam.AmsGrad);
        Assert.AreEqual(1e-2, AdamOptions.ForAdamW().WeightDecay);
        Assert.AreEqual("AdamW", new AdamWOptimizer(1).Name);
    }

    [TestMethod]
    [DataRow(1.0)]
    [DataRow(-0.1)]
    [DataRow(double.NaN)]
    public void Constructor_BetaOutOfRange_ThrowsNamingIt(double beta)
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new AdamOptimizer(2, new AdamOptions { Beta2 = beta }));
        Assert.AreEqual("Beta2", ex.ParamName);
        StringAssert.Contains(ex.Message, "[0, 1)");
    }

    [TestMethod]
    public void LearningRate_Negative_Throws()
    {
        var adam = new AdamOptimizer(2);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => adam.LearningRate = -1);
        Assert.AreEqual("LearningRate", ex.ParamName);
    }

    // torch.optim.Adam / AdamW in double.
    private static double[][] Reference(double lr, double beta1, double beta2, double eps, double wd, bool amsgrad, bool decoupled)
    {
        double[] p = OptimizerTestData.InitialAsDouble();
        var m = new double[p.Length];
        var v = new double[p.Length];
        var vMax = new double[p.Length];
        var result = new double[3][];
        for (int s = 0; s < 3; s++)
        {
            int t = s + 1;
            for (int i = 0; i < p.Length; i++)
            {
                double g = OptimizerTestData.Gradients[s][i];
                if (decoupled)
                {
                    p[i] *= 1 - lr * wd;
                }
                else
                {
                    g += wd * p[i];
                }
                m[i] = beta1 * m[i] + (1 - beta1) * g;
                v[i] = beta2 * v[i] + (1 - beta2) * g * g;
                vMax[i] = Math.Max(vMax[i], v[i]);
                double vUsed = amsgrad ? vMax[i] : v[i];
                p[i] -= lr / (1 - Math.Pow(beta1, t)) * m[i] / (Math.Sqrt(vUsed) / Math.Sqrt(1 - Math.Pow(beta2, t)) + eps);
            }
            result[s] = (double[])p.Clone();
        }
        return result;
    }

    [TestMethod]
    [DataRow(0.0)]
    [DataRow(0.1)]
    public void Step_VectorLanesAndScalarTail_BitIdentical(double weightDecay)
    {
        // 19 parameters: two vector blocks of 8 and a scalar tail of 3; element j and j + 8 and j + 16 see the same inputs.
        var adam = new AdamOptimizer(19, new AdamOptions { LearningRate = 0.003, WeightDecay = weightDecay });
        var rng = new Random(4);
        float[] start = Enumerable.Range(0, 3).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var parameters = Enumerable.Range(0, 19).Select(i => start[i % 8 % 3]).ToArray();
        for (int step = 0; step < 5; step++)
        {
            float[] g = Enumerable.Range(0, 3).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            adam.Step(parameters, Enumerable.Range(0, 19).Select(i => g[i % 8 % 3]).ToArray());
        }
        for (int j = 0; j < 3; j++)
        {
            Assert.AreEqual(BitConverter.SingleToInt32Bits(parameters[j]), BitConverter.SingleToInt32Bits(parameters[16 + j]), $"lane {j} vs tail {16 + j}");
            Assert.AreEqual(BitConverter.SingleToInt32Bits(parameters[j]), BitConverter.SingleToInt32Bits(parameters[8 + j]), $"lane {j} vs lane {8 + j}");
        }
    }
}
