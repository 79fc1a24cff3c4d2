using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Training;

[TestClass]
public sealed class OptimizerStateTests
{
    public static IEnumerable<object[]> Factories =>
    [
        ["sgd", (Func<Optimizer>)(() => new SgdOptimizer(4, new SgdOptions { LearningRate = 0.1, Momentum = 0.9, Nesterov = true }))],
        ["adam", (Func<Optimizer>)(() => new AdamOptimizer(4, new AdamOptions { LearningRate = 0.01, AmsGrad = true, WeightDecay = 0.1 }))],
        ["adamw", (Func<Optimizer>)(() => new AdamWOptimizer(4))],
        ["rmsprop", (Func<Optimizer>)(() => new RmsPropOptimizer(4, new RmsPropOptions { Momentum = 0.5, Centered = true }))],
        ["adagrad", (Func<Optimizer>)(() => new AdagradOptimizer(4, new AdagradOptions { LearningRateDecay = 0.1 }))],
    ];

    [TestMethod]
    [DynamicData(nameof(Factories))]
    public void ImportState_IntoFreshOptimizer_ContinuesBitIdentically(string label, Func<Optimizer> create)
    {
        // Uninterrupted: three steps.
        Optimizer reference = create();
        float[][] expected = OptimizerTestData.RunThreeSteps(reference);

        // Interrupted after step 1: export, serialise, import into a new optimizer, continue.
        Optimizer first = create();
        var p = (float[])OptimizerTestData.InitialParameters.Clone();
        first.Step(p, OptimizerTestData.Gradients[0]);
        OptimizerState saved = first.ExportState();
        using var stream = new MemoryStream();
        saved.WriteTo(stream);
        stream.Position = 0;
        OptimizerState loaded = OptimizerState.ReadFrom(stream);

        Optimizer resumed = create();
        resumed.ImportState(loaded);
        Assert.AreEqual(1L, resumed.StepCount, label);
        Assert.AreEqual(first.LearningRate, resumed.LearningRate, label);

        var pFirst = (float[])p.Clone();
        for (int s = 1; s < 3; s++)
        {
            first.Step(pFirst, OptimizerTestData.Gradients[s]);
            resumed.Step(p, OptimizerTestData.Gradients[s]);
            TestAssert.AssertBitIdentical(pFirst, p, $"{label} resumed step {s + 1}");
            TestAssert.AssertBitIdentical(expected[s], p, $"{label} vs uninterrupted step {s + 1}");
        }
    }

    [TestMethod]
    public void ExportState_IsACopyAndCarriesLearningRate()
    {
        var adam = new AdamOptimizer(2);
        adam.Step(new float[2], [1f, 2f]);
        adam.LearningRate = 0.123;
        OptimizerState state = adam.ExportState();
        float before = state.Buffers["exp_avg"][0];
        adam.Step(new float[2], [1f, 2f]);
        Assert.AreEqual(before, state.Buffers["exp_avg"][0]);
        Assert.AreEqual(1L, state.StepCount);
        var restored = new AdamOptimizer(2);
        restored.ImportState(state);
        Assert.AreEqual(0.123, restored.LearningRate);
    }

    [TestMethod]
    public void ImportState_OtherOptimizer_Throws()
    {
        OptimizerState state = new AdamOptimizer(2).ExportState();
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new AdamWOptimizer(2).ImportState(state));
        StringAssert.Contains(ex.Message, "Adam");
    }

    [TestMethod]
    public void ImportState_WrongLengthOrMissingBuffer_Throws()
    {
        OptimizerState small = new AdamOptimizer(2).ExportState();
        Assert.ThrowsExactly<ArgumentException>(() => new AdamOptimizer(3).ImportState(small));
        OptimizerState plain = new AdamOptimizer(2).ExportState();
        Assert.ThrowsExactly<ArgumentException>(() => new AdamOptimizer(2, new AdamOptions { AmsGrad = true }).ImportState(plain));
    }

    [TestMethod]
    public void ReadFrom_Garbage_ThrowsInvalidData()
    {
        using var stream = new MemoryStream([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        Assert.ThrowsExactly<InvalidDataException>(() => OptimizerState.ReadFrom(stream));
    }
}
