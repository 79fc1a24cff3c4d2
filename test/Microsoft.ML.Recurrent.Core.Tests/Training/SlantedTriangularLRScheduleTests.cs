using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Training;

[TestClass]
public sealed class SlantedTriangularLRScheduleTests
{
    // ULMFiT eq. 3 with T = 1000, cut_frac = 0.1, ratio = 32: cut = 100.
    [TestMethod]
    [DataRow(0L, 0.01 / 32)]
    [DataRow(50L, 0.01 * (1 + 0.5 * 31) / 32)]
    [DataRow(100L, 0.01)]
    [DataRow(550L, 0.01 * (1 + 0.5 * 31) / 32)]
    [DataRow(1000L, 0.01 / 32)]
    [DataRow(5000L, 0.01 / 32)]
    public void GetLearningRate_UlmfitDefaults_MatchesThePaperFormula(long step, double expected)
    {
        var schedule = new SlantedTriangularLRSchedule(1000);
        Assert.AreEqual(expected, schedule.GetLearningRate(0.01, step), 1e-15);
        Assert.IsTrue(schedule.StepsPerBatch);
    }

    [TestMethod]
    public void GetLearningRate_EveryStep_EqualsTheFormulaHeldAtItsFloor()
    {
        var schedule = new SlantedTriangularLRSchedule(totalSteps: 37, cutFraction: 0.2, ratio: 10);
        double cut = Math.Floor(37 * 0.2);
        for (long t = 0; t <= 37; t++)
        {
            double p = Math.Max(0, t < cut ? t / cut : 1 - (t - cut) / (cut * (1 / 0.2 - 1)));
            Assert.AreEqual(0.5 * (1 + p * 9) / 10, schedule.GetLearningRate(0.5, t), 1e-12, $"step {t}");
        }
    }

    [TestMethod]
    public void Constructor_OutOfRange_Throws()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SlantedTriangularLRSchedule(0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SlantedTriangularLRSchedule(10, cutFraction: 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SlantedTriangularLRSchedule(10, ratio: 0.5));
    }

    [TestMethod]
    public void SequenceTrainer_PerBatchSchedule_StepsAfterEveryBatch()
    {
        var model = FineTuningTests.SmallClassifier(seed: 1);
        var data = FineTuningTests.Data(model, count: 12, seed: 2);
        var schedule = new SlantedTriangularLRSchedule(totalSteps: 6, cutFraction: 0.5, ratio: 4);
        var result = new SequenceTrainer(model, new TrainerOptions { Epochs = 2, BatchSize = 4, Schedule = schedule, LearningRate = 0.1 }).Fit(data);
        // 3 batches per epoch: after epoch 1 the schedule is at step 3 (the top of the triangle), after epoch 2 at step 6.
        Assert.AreEqual(schedule.GetLearningRate(0.1, 3), result.History[0].LearningRate, 1e-12);
        Assert.AreEqual(schedule.GetLearningRate(0.1, 6), result.History[1].LearningRate, 1e-12);
    }
}
