using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Training;

[TestClass]
public sealed class LearningRateDriverTests
{
    [TestMethod]
    public void StepLR_HalvesEveryTwoEpochs()
    {
        AssertRates(0.1, new StepLRSchedule(2, 0.5), [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
    }

    [TestMethod]
    public void ExponentialLR_MultipliesEveryEpoch()
    {
        AssertRates(1.0, new ExponentialLRSchedule(0.9), [1.0, 0.9, 0.81, 0.729]);
    }

    [TestMethod]
    public void CosineAnnealingLR_FollowsClosedForm()
    {
        double mid = 0.01 + 0.09 * (1 + Math.Cos(Math.PI / 4)) / 2; // 0.0868198...
        double late = 0.01 + 0.09 * (1 + Math.Cos(3 * Math.PI / 4)) / 2;
        AssertRates(0.1, new CosineAnnealingLRSchedule(4, 0.01), [0.1, mid, 0.055, late, 0.01, late]);
        Assert.AreEqual(0.0868198, mid, 1e-7);
    }

    [TestMethod]
    public void LinearWarmup_ThenExponential_RampsThenDecays()
    {
        var schedule = new LinearWarmupSchedule(0.25, 3, new ExponentialLRSchedule(0.5));
        AssertRates(0.4, schedule, [0.1, 0.2, 0.3, 0.4, 0.2, 0.1]);
    }

    [TestMethod]
    public void LinearWarmup_Alone_StaysAtBase()
    {
        AssertRates(1.0, new LinearWarmupSchedule(0.5, 2), [0.5, 0.75, 1.0, 1.0, 1.0]);
    }

    [TestMethod]
    public void ExportState_AfterTheRename_KeepsTheNameCheckpointsStore()
    {
        // Checkpoints written while the type was called LearningRateScheduler store that name; they must still resume.
        var driver = new LearningRateDriver(new SgdOptimizer(1, new SgdOptions { LearningRate = 0.4 }), new ExponentialLRSchedule(0.5));
        Assert.AreEqual("LearningRateScheduler", driver.ExportState().SchedulerName);
        driver.ImportState(new SchedulerState("LearningRateScheduler", 2, new Dictionary<string, double> { ["base_lr"] = 0.4 }));
        Assert.AreEqual(0.1, driver.Optimizer.LearningRate, 1e-15);
    }

    [TestMethod]
    public void Constructor_SetsEpochZeroRateOnOptimizer()
    {
        var optimizer = new SgdOptimizer(1, new SgdOptions { LearningRate = 0.4 });
        var scheduler = new LearningRateDriver(optimizer, new LinearWarmupSchedule(0.25, 3));
        Assert.AreEqual(0.1, optimizer.LearningRate, 1e-15);
        Assert.AreEqual(0.4, scheduler.BaseLearningRate);
        Assert.AreEqual(0L, scheduler.Epoch);
    }

    [TestMethod]
    public void ImportState_ContinuesTheSameSequence()
    {
        var schedule = new LinearWarmupSchedule(0.1, 2, new CosineAnnealingLRSchedule(5, 0.001));
        var optimizer = new AdamOptimizer(1, new AdamOptions { LearningRate = 0.01 });
        var scheduler = new LearningRateDriver(optimizer, schedule);
        scheduler.Step();
        scheduler.Step();
        scheduler.Step();
        SchedulerState saved = scheduler.ExportState();
        OptimizerState savedOptimizer = optimizer.ExportState();
        double next = scheduler.Step();

        var resumedOptimizer = new AdamOptimizer(1, new AdamOptions { LearningRate = 0.01 });
        resumedOptimizer.ImportState(savedOptimizer);
        var resumed = new LearningRateDriver(resumedOptimizer, schedule);
        resumed.ImportState(saved);
        Assert.AreEqual(3L, resumed.Epoch);
        Assert.AreEqual(0.01, resumed.BaseLearningRate);
        Assert.AreEqual(next, resumed.Step());
        Assert.AreEqual(optimizer.LearningRate, resumedOptimizer.LearningRate);
    }

    [TestMethod]
    public void ImportState_PlateauState_Throws()
    {
        var optimizer = new SgdOptimizer(1);
        SchedulerState plateau = new ReduceLROnPlateau(optimizer).ExportState();
        var scheduler = new LearningRateDriver(optimizer, new ExponentialLRSchedule(0.5));
        Assert.AreEqual("state", Assert.ThrowsExactly<ArgumentException>(() => scheduler.ImportState(plateau)).ParamName);
    }

    [TestMethod]
    public void Schedules_BadArguments_Throw()
    {
        Assert.AreEqual("stepSize", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new StepLRSchedule(0)).ParamName);
        Assert.AreEqual("gamma", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ExponentialLRSchedule(-0.5)).ParamName);
        Assert.AreEqual("maxEpochs", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CosineAnnealingLRSchedule(0)).ParamName);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LinearWarmupSchedule(0, 3));
        Assert.AreEqual("startFactor", ex.ParamName);
        StringAssert.Contains(ex.Message, "(0, 1]");
    }

    private static void AssertRates(double baseRate, LearningRateSchedule schedule, double[] expected)
    {
        var optimizer = new SgdOptimizer(1, new SgdOptions { LearningRate = baseRate });
        var scheduler = new LearningRateDriver(optimizer, schedule);
        var actual = new double[expected.Length];
        actual[0] = optimizer.LearningRate;
        for (int e = 1; e < expected.Length; e++)
        {
            Assert.AreEqual(scheduler.Step(), optimizer.LearningRate);
            actual[e] = optimizer.LearningRate;
            Assert.AreEqual(schedule.GetLearningRate(baseRate, e), actual[e]);
        }
        TestAssert.AssertClose(expected, actual, 1e-12, 1e-15, schedule.GetType().Name);
    }
}
