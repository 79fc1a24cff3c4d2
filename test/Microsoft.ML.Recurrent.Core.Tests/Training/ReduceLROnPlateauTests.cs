using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Training;

[TestClass]
public sealed class ReduceLROnPlateauTests
{
    [TestMethod]
    public void Step_MinRelative_ReducesAfterPatienceAndCountsFromBest()
    {
        var optimizer = new SgdOptimizer(1, new SgdOptions { LearningRate = 1.0 });
        var plateau = new ReduceLROnPlateau(optimizer, new ReduceLROnPlateauOptions { Factor = 0.5, Patience = 2, Threshold = 0.1 });
        // 9.5, 9.2, 9.1 and 9.0 are not below 10 * (1 - 0.1) = 9: no improvement.
        double[] metrics = [10, 9.5, 9.2, 9.1, 9.0, 8.0, 8.0, 8.0, 8.0];
        double[] rates = [1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25];
        for (int e = 0; e < metrics.Length; e++)
        {
            bool reduced = plateau.Step(metrics[e]);
            Assert.AreEqual(rates[e], optimizer.LearningRate, 1e-15, $"epoch {e + 1}");
            Assert.AreEqual(e == 3 || e == 8, reduced, $"reduced at epoch {e + 1}");
        }
        Assert.AreEqual(8.0, plateau.Best);
        Assert.AreEqual(9L, plateau.Epoch);
    }

    [TestMethod]
    public void Step_Cooldown_IgnoresBadEpochsAfterAReduction()
    {
        var optimizer = new SgdOptimizer(1, new SgdOptions { LearningRate = 1.0 });
        var plateau = new ReduceLROnPlateau(optimizer, new ReduceLROnPlateauOptions { Factor = 0.5, Patience = 1, Cooldown = 2 });
        double[] rates = [1, 1, 0.5, 0.5, 0.5, 0.5, 0.25];
        for (int e = 0; e < rates.Length; e++)
        {
            plateau.Step(5.0);
            Assert.AreEqual(rates[e], optimizer.LearningRate, 1e-15, $"epoch {e + 1}");
        }
    }

    [TestMethod]
    public void Step_MaxAbsolute_NeedsImprovementAboveThreshold()
    {
        var optimizer = new SgdOptimizer(1, new SgdOptions { LearningRate = 1.0 });
        var options = new ReduceLROnPlateauOptions
        {
            Mode = PlateauMode.Max, ThresholdMode = ThresholdMode.Absolute, Threshold = 0.5, Patience = 1, Factor = 0.1,
        };
        var plateau = new ReduceLROnPlateau(optimizer, options);
        plateau.Step(1.0);   // better than -inf
        plateau.Step(1.4);   // not above 1.5: bad 1
        plateau.Step(1.6);   // better: best 1.6
        Assert.AreEqual(1.6, plateau.Best);
        Assert.AreEqual(0, plateau.BadEpochs);
        plateau.Step(2.0);   // bad 1
        Assert.IsTrue(plateau.Step(double.NaN)); // bad 2 > 1: reduce
        Assert.AreEqual(0.1, optimizer.LearningRate, 1e-15);
    }

    [TestMethod]
    public void Step_MinLearningRate_FloorsAndStopsReducing()
    {
        var optimizer = new SgdOptimizer(1, new SgdOptions { LearningRate = 1.0 });
        var plateau = new ReduceLROnPlateau(optimizer, new ReduceLROnPlateauOptions { Patience = 0, MinLearningRate = 0.05 });
        plateau.Step(1.0);
        Assert.IsTrue(plateau.Step(1.0));
        Assert.AreEqual(0.1, optimizer.LearningRate, 1e-15);
        Assert.IsTrue(plateau.Step(1.0));
        Assert.AreEqual(0.05, optimizer.LearningRate);
        Assert.IsFalse(plateau.Step(1.0));
        Assert.AreEqual(0.05, optimizer.LearningRate);
    }

    [TestMethod]
    public void ImportState_ContinuesIdentically()
    {
        var options = new ReduceLROnPlateauOptions { Factor = 0.5, Patience = 1, Cooldown = 1 };
        double[] metrics = [3, 2, 2, 2, 2, 1.5, 1.5, 1.5, 1.5];
        var optimizer = new SgdOptimizer(1, new SgdOptions { LearningRate = 1.0 });
        var plateau = new ReduceLROnPlateau(optimizer, options);
        for (int e = 0; e < 4; e++)
        {
            plateau.Step(metrics[e]);
        }
        SchedulerState saved = plateau.ExportState();
        OptimizerState savedOptimizer = optimizer.ExportState();

        var resumedOptimizer = new SgdOptimizer(1);
        resumedOptimizer.ImportState(savedOptimizer);
        var resumed = new ReduceLROnPlateau(resumedOptimizer, options);
        resumed.ImportState(saved);
        for (int e = 4; e < metrics.Length; e++)
        {
            Assert.AreEqual(plateau.Step(metrics[e]), resumed.Step(metrics[e]), $"epoch {e + 1}");
            Assert.AreEqual(optimizer.LearningRate, resumedOptimizer.LearningRate, $"epoch {e + 1}");
            Assert.AreEqual(plateau.BadEpochs, resumed.BadEpochs);
            Assert.AreEqual(plateau.CooldownCounter, resumed.CooldownCounter);
        }
        Assert.AreEqual(plateau.Epoch, resumed.Epoch);
        Assert.IsLessThan(1.0, optimizer.LearningRate);
    }

    [TestMethod]
    public void Constructor_FactorOne_ThrowsNamingIt()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => new ReduceLROnPlateau(new SgdOptimizer(1), new ReduceLROnPlateauOptions { Factor = 1.0 }));
        Assert.AreEqual("Factor", ex.ParamName);
        StringAssert.Contains(ex.Message, "[0, 1)");
    }

    [TestMethod]
    public void Defaults_AreTorchDefaults()
    {
        var options = new ReduceLROnPlateauOptions();
        Assert.AreEqual(PlateauMode.Min, options.Mode);
        Assert.AreEqual(0.1, options.Factor);
        Assert.AreEqual(10, options.Patience);
        Assert.AreEqual(1e-4, options.Threshold);
        Assert.AreEqual(ThresholdMode.Relative, options.ThresholdMode);
        Assert.AreEqual(0, options.Cooldown);
        Assert.AreEqual(0.0, options.MinLearningRate);
        Assert.AreEqual(1e-8, options.Epsilon);
    }
}
