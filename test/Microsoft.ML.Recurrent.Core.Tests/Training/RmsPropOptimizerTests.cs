using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Training;

[TestClass]
public sealed class RmsPropOptimizerTests
{
    [TestMethod]
    [DataRow(0.0, 0.0, false)]
    [DataRow(0.0, 0.0, true)]
    [DataRow(0.9, 0.0, false)]
    [DataRow(0.9, 0.1, true)]
    public void Step_Variants_MatchReference(double momentum, double weightDecay, bool centered)
    {
        var options = new RmsPropOptions { LearningRate = 0.01, Momentum = momentum, WeightDecay = weightDecay, Centered = centered };
        var actual = OptimizerTestData.RunThreeSteps(new RmsPropOptimizer(4, options));
        OptimizerTestData.AssertSteps(Reference(0.01, 0.99, 1e-8, weightDecay, momentum, centered), actual, "rmsprop");
    }

    [TestMethod]
    public void Step_SmallAlphaCentered_MatchesReference()
    {
        var options = new RmsPropOptions { LearningRate = 0.02, Alpha = 0.3, Epsilon = 1e-3, Centered = true };
        var actual = OptimizerTestData.RunThreeSteps(new RmsPropOptimizer(4, options));
        OptimizerTestData.AssertSteps(Reference(0.02, 0.3, 1e-3, 0, 0, true), actual, "rmsprop alpha 0.3");
    }

    [TestMethod]
    public void Defaults_AreTorchDefaults()
    {
        var options = new RmsPropOptions();
        Assert.AreEqual(1e-2, options.LearningRate);
        Assert.AreEqual(0.99, options.Alpha);
        Assert.AreEqual(1e-8, options.Epsilon);
        Assert.AreEqual(0.0, options.Momentum);
        Assert.IsFalse(options.Centered);
    }

    [TestMethod]
    public void Constructor_AlphaAboveOne_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new RmsPropOptimizer(1, new RmsPropOptions { Alpha = 1.5 }));
        Assert.AreEqual("Alpha", ex.ParamName);
    }

    // torch.optim.RMSprop in double.
    private static double[][] Reference(double lr, double alpha, double eps, double wd, double momentum, bool centered)
    {
        double[] p = OptimizerTestData.InitialAsDouble();
        var sq = new double[p.Length];
        var ga = new double[p.Length];
        var buf = new double[p.Length];
        var result = new double[3][];
        for (int s = 0; s < 3; s++)
        {
            for (int i = 0; i < p.Length; i++)
            {
                double g = OptimizerTestData.Gradients[s][i] + wd * p[i];
                sq[i] = alpha * sq[i] + (1 - alpha) * g * g;
                double avg;
                if (centered)
                {
                    ga[i] = alpha * ga[i] + (1 - alpha) * g;
                    avg = Math.Sqrt(sq[i] - ga[i] * ga[i]) + eps;
                }
                else
                {
                    avg = Math.Sqrt(sq[i]) + eps;
                }
                if (momentum > 0)
                {
                    buf[i] = momentum * buf[i] + g / avg;
                    p[i] -= lr * buf[i];
                }
                else
                {
                    p[i] -= lr * g / avg;
                }
            }
            result[s] = (double[])p.Clone();
        }
        return result;
    }
}
