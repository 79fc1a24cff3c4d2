using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Training;

[TestClass]
public sealed class AdagradOptimizerTests
{
    [TestMethod]
    [DataRow(0.0, 0.0, 0.0)]
    [DataRow(0.5, 0.0, 0.0)]
    [DataRow(0.0, 0.1, 0.0)]
    [DataRow(0.2, 0.1, 0.3)]
    public void Step_Variants_MatchReference(double lrDecay, double weightDecay, double initialAccumulator)
    {
        var options = new AdagradOptions
        {
            LearningRate = 0.1, LearningRateDecay = lrDecay, WeightDecay = weightDecay, InitialAccumulatorValue = initialAccumulator,
        };
        var actual = OptimizerTestData.RunThreeSteps(new AdagradOptimizer(4, options));
        OptimizerTestData.AssertSteps(Reference(0.1, lrDecay, weightDecay, initialAccumulator, 1e-10), actual, "adagrad");
    }

    [TestMethod]
    public void Step_FirstStep_MovesByLrTimesSignOfGradient()
    {
        var adagrad = new AdagradOptimizer(2, new AdagradOptions { LearningRate = 0.1 });
        float[] p = [1f, 1f];
        adagrad.Step(p, [3f, -0.25f]);
        // s = g^2, so g / sqrt(s) = sign(g).
        Assert.AreEqual(0.9, p[0], 1e-6);
        Assert.AreEqual(1.1, p[1], 1e-6);
    }

    [TestMethod]
    public void Defaults_AreTorchDefaults()
    {
        var options = new AdagradOptions();
        Assert.AreEqual(1e-2, options.LearningRate);
        Assert.AreEqual(0.0, options.LearningRateDecay);
        Assert.AreEqual(0.0, options.InitialAccumulatorValue);
        Assert.AreEqual(1e-10, options.Epsilon);
    }

    [TestMethod]
    public void Constructor_NegativeInitialAccumulator_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => new AdagradOptimizer(1, new AdagradOptions { InitialAccumulatorValue = -1 }));
        Assert.AreEqual("InitialAccumulatorValue", ex.ParamName);
    }

    // torch.optim.Adagrad in double.
    private static double[][] Reference(double lr, double lrDecay, double wd, double initial, double eps)
    {
        double[] p = OptimizerTestData.InitialAsDouble();
        var sum = new double[p.Length];
        Array.Fill(sum, initial);
        var result = new double[3][];
        for (int s = 0; s < 3; s++)
        {
            double clr = lr / (1 + s * lrDecay);
            for (int i = 0; i < p.Length; i++)
            {
                double g = OptimizerTestData.Gradients[s][i] + wd * p[i];
                sum[i] += g * g;
                p[i] -= clr * g / (Math.Sqrt(sum[i]) + eps);
            }
            result[s] = (double[])p.Clone();
        }
        return result;
    }
}
