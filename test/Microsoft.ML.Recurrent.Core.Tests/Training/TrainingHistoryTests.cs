using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;
using Microsoft.ML.Recurrent.Tests.AutoML;

namespace Microsoft.ML.Recurrent.Tests.Training;

[TestClass]
public sealed class TrainingHistoryTests
{
    [TestMethod]
    public void Fit_EqualBatches_StepHistoryAveragesToEachEpochsLossWithItsLearningRate()
    {
        // 64 examples in batches of 16: four equal steps an epoch, so the epoch loss is the mean of its steps' losses.
        var model = new SequenceModel(RecurrentExperimentTests.Classifier() with { EmbeddingSize = 8, HiddenSize = 8 }, seed: 1);
        var trainer = new SequenceTrainer(model, new TrainerOptions
        {
            Epochs = 3, BatchSize = 16, LearningRate = 0.02, Seed = 2, Schedule = new StepLRSchedule(1, gamma: 0.5),
        });
        var result = trainer.Fit(RecurrentExperimentTests.FirstTokenClass(64, 1, 3, 6));

        Assert.HasCount(12, result.StepHistory);
        Assert.AreEqual(result.Steps, result.StepHistory[^1].Step);
        for (int i = 0; i < 12; i++)
        {
            var step = result.StepHistory[i];
            Assert.AreEqual(i + 1L, step.Step);
            Assert.AreEqual(i / 4 + 1, step.Epoch);
            Assert.AreEqual((float)result.History[i / 4].LearningRate, step.LearningRate, $"step {step.Step}");
        }
        Assert.AreEqual(0.005, result.History[2].LearningRate, 1e-12, "the schedule halves the rate each epoch");
        foreach (var epoch in result.History)
        {
            double mean = result.StepHistory.Where(s => s.Epoch == epoch.Epoch).Average(s => (double)s.Loss);
            Assert.AreEqual(epoch.TrainLoss, mean, 1e-5 * epoch.TrainLoss, $"epoch {epoch.Epoch}");
        }
    }
}
