using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Training;

[TestClass]
public sealed class TemperatureScalingTests
{
    [TestMethod]
    public void Calibrate_OverconfidentModel_LowersTheLossKeepsEveryPrediction()
    {
        var model = new SequenceModel(new SequenceModelOptions
        {
            VocabularySize = 8, EmbeddingSize = 4, HiddenSize = 5, Cell = RecurrentCellKind.Gru, OutputSize = 3, Pooling = SequencePooling.Mean,
        }, seed: 2);
        var random = new Random(4);
        var data = Enumerable.Range(0, 60).Select(_ =>
            SequenceExample.ForClassification(Enumerable.Range(0, 3 + random.Next(4)).Select(_ => random.Next(8)).ToArray(), random.Next(3))).ToList();
        new SequenceTrainer(model, new TrainerOptions { Epochs = 3, BatchSize = 8, LearningRate = 0.01, Seed = 1 }).Fit(data);
        // Ten times the head: the same predictions, far too confident.
        foreach (var name in new[] { "fc.weight", "fc.bias" })
        {
            var v = model.Parameters.GetValues(name);
            System.Numerics.Tensors.TensorPrimitives.Multiply(v, 10f, v);
        }
        var before = SequenceEvaluator.Evaluate(model, data);
        int[] predictedBefore = Predictions(model, data);

        double temperature = TemperatureScaling.Calibrate(model, data);

        var after = SequenceEvaluator.Evaluate(model, data);
        Assert.IsTrue(temperature > 2, $"temperature {temperature}");
        Assert.IsTrue(after.Loss < before.Loss, $"loss {before.Loss} -> {after.Loss}");
        CollectionAssert.AreEqual(predictedBefore, Predictions(model, data));
        Assert.AreEqual(1, TemperatureScaling.Calibrate(model, data), 0.05, "calibrated once, the temperature is about 1");
    }

    [TestMethod]
    public void Calibrate_RegressionModel_Throws()
    {
        var model = new SequenceModel(new SequenceModelOptions { Task = SequenceTask.Regression, HiddenSize = 2, OutputSize = 1 });
        Assert.ThrowsExactly<ArgumentException>(() => TemperatureScaling.Calibrate(model, []));
    }

    private static int[] Predictions(SequenceModel model, List<SequenceExample> data)
    {
        var ws = model.CreateWorkspace();
        return data.Select(e =>
        {
            model.Forward(ws, new[] { e }, training: false, null, default, default);
            return System.Numerics.Tensors.TensorPrimitives.IndexOfMax(ws.Logits.AsSpan(0, 3));
        }).ToArray();
    }
}
