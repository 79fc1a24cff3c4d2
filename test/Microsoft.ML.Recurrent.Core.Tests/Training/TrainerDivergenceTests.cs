using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;
using static Microsoft.ML.Recurrent.Tests.Training.CheckpointTestData;

namespace Microsoft.ML.Recurrent.Tests.Training;

[TestClass]
public sealed class TrainerDivergenceTests
{
    [TestMethod]
    [DataRow(1e39)]
    [DataRow(1e300)]
    [DataRow(1e-46)]
    public void Validate_LearningRateOutsideFloat_Throws(double learningRate)
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TrainerOptions { LearningRate = learningRate }.Validate());
        StringAssert.Contains(ex.Message, "float");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SgdOptimizer(4, new SgdOptions { LearningRate = learningRate > 1 ? learningRate : 1e39 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new AdamOptimizer(4) { LearningRate = 1e39 });
    }

    [TestMethod]
    public void Fit_UpdateOverflowsTheWeights_ThrowsAndRefusesToContinueOrSave()
    {
        // Targets of 1e6 give gradients of about 2e6 at the head: with lr 1e36 (a float) the first update overflows to infinity.
        var model = new SequenceModel(new SequenceModelOptions { Task = SequenceTask.Regression, InputFeatures = 1, HiddenSize = 4, OutputSize = 1 }, seed: 1);
        var trainer = new SequenceTrainer(model, new TrainerOptions { Optimizer = OptimizerKind.Sgd, LearningRate = 1e36, ClipGradientNorm = null, MaxSteps = 1, BatchSize = 4 });
        var data = Enumerable.Range(0, 8).Select(i => SequenceExample.ForRegression([i, 1f], [1e6f])).ToList();
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => trainer.Fit(data));
        StringAssert.Contains(ex.Message, "diverged");
        StringAssert.Contains(ex.Message, "LearningRate");
        Assert.ThrowsExactly<InvalidOperationException>(() => trainer.SaveCheckpoint(new MemoryStream()));
        Assert.ThrowsExactly<InvalidOperationException>(() => trainer.Fit(data));
    }

    [TestMethod]
    public void Fit_CrossEntropyBeyondTheCeiling_ThrowsBeforeTheUpdate()
    {
        // Adam with lr 1e3 drives the logits to huge magnitudes: the loss stays finite but meaningless.
        var model = new SequenceModel(ModelOptions, seed: 1);
        var trainer = new SequenceTrainer(model, new TrainerOptions { LearningRate = 1e3, BatchSize = 4, Epochs = 50 });
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => trainer.Fit(Data(16, 1)));
        StringAssert.Contains(ex.Message, "diverged");
        Assert.IsTrue(Array.TrueForAll(model.Parameters.Values, float.IsFinite), "the weights before the diverging step are kept");
        Save(trainer); // still a finite model: it can be checkpointed
    }

    [TestMethod]
    public void SaveCheckpoint_NonFiniteWeight_Throws()
    {
        var trainer = FreshTrainer();
        trainer.Model.Parameters.Values[5] = float.PositiveInfinity;
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => trainer.SaveCheckpoint(new MemoryStream()));
        StringAssert.Contains(ex.Message, "Infinity");
        string path = Path.Combine(Path.GetTempPath(), $"ckpt-{Guid.NewGuid():N}.bin");
        Assert.ThrowsExactly<InvalidOperationException>(() => trainer.SaveCheckpoint(path));
        Assert.IsFalse(File.Exists(path));
    }
}
