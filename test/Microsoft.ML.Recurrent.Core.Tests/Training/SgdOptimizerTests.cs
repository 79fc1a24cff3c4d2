using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Training;

[TestClass]
public sealed class SgdOptimizerTests
{
    [TestMethod]
    public void Step_MomentumWithConstantGradient_MatchesPyTorchKnownSequence()
    {
        var sgd = new SgdOptimizer(1, new SgdOptions { LearningRate = 0.1, Momentum = 0.9 });
        float[] p = [1f];
        float[] g = [1f];
        double[] expected = [1 - 0.1, 1 - 0.1 - 0.19, 1 - 0.1 - 0.19 - 0.271];
        for (int s = 0; s < 3; s++)
        {
            sgd.Step(p, g);
            Assert.AreEqual(expected[s], p[0], 1e-6, $"step {s + 1}");
        }
        Assert.AreEqual(3L, sgd.StepCount);
    }

    [TestMethod]
    public void Step_Plain_IsParameterMinusLrTimesGradient()
    {
        var actual = OptimizerTestData.RunThreeSteps(new SgdOptimizer(4, new SgdOptions { LearningRate = 0.5 }));
        OptimizerTestData.AssertSteps(Reference(0.5, 0, 0, 0, false), actual, "sgd");
    }

    [TestMethod]
    [DataRow(0.9, 0.0, 0.0, false)]
    [DataRow(0.9, 0.3, 0.0, false)]
    [DataRow(0.9, 0.0, 0.1, true)]
    [DataRow(0.5, 0.1, 0.05, false)]
    [DataRow(0.0, 0.0, 0.2, false)]
    public void Step_Variants_MatchReference(double momentum, double dampening, double weightDecay, bool nesterov)
    {
        var options = new SgdOptions { LearningRate = 0.1, Momentum = momentum, Dampening = dampening, WeightDecay = weightDecay, Nesterov = nesterov };
        var actual = OptimizerTestData.RunThreeSteps(new SgdOptimizer(4, options));
        OptimizerTestData.AssertSteps(Reference(0.1, momentum, dampening, weightDecay, nesterov), actual, "sgd variant");
    }

    [TestMethod]
    public void Constructor_NesterovWithoutMomentum_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SgdOptimizer(3, new SgdOptions { Nesterov = true }));
        StringAssert.Contains(ex.Message, "Momentum");
        Assert.AreEqual("Nesterov", ex.ParamName);
    }

    [TestMethod]
    public void Constructor_NegativeMomentum_ThrowsNamingIt()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SgdOptimizer(3, new SgdOptions { Momentum = -0.1 }));
        Assert.AreEqual("Momentum", ex.ParamName);
        StringAssert.Contains(ex.Message, "-0.1");
    }

    [TestMethod]
    public void Step_WrongGradientLength_Throws()
    {
        var sgd = new SgdOptimizer(3);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => sgd.Step(new float[3], new float[2]));
        Assert.AreEqual("gradients", ex.ParamName);
    }

    [TestMethod]
    public void Defaults_AreTorchDefaults()
    {
        var options = new SgdOptions();
        Assert.AreEqual(1e-3, options.LearningRate);
        Assert.AreEqual(0.0, options.Momentum);
        Assert.AreEqual(0.0, options.Dampening);
        Assert.AreEqual(0.0, options.WeightDecay);
        Assert.IsFalse(options.Nesterov);
    }

    // torch.optim.SGD in double.
    private static double[][] Reference(double lr, double momentum, double dampening, double wd, bool nesterov)
    {
        double[] p = OptimizerTestData.InitialAsDouble();
        var buf = new double[p.Length];
        var result = new double[3][];
        for (int s = 0; s < 3; s++)
        {
            for (int i = 0; i < p.Length; i++)
            {
                double g = OptimizerTestData.Gradients[s][i] + wd * p[i];
                if (momentum != 0)
                {
                    buf[i] = s == 0 ? g : momentum * buf[i] + (1 - dampening) * g;
                    g = nesterov ? g + momentum * buf[i] : buf[i];
                }
                p[i] -= lr * g;
            }
            result[s] = (double[])p.Clone();
        }
        return result;
    }
}
