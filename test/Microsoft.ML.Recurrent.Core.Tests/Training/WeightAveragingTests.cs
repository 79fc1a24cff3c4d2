using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Training;

/// <summary>Weight averaging (<see cref="TrainerOptions.AveragingDecay"/>): PyTorch's AveragedModel with an EMA.</summary>
[TestClass]
public sealed class WeightAveragingTests
{
    [TestMethod]
    public void Fit_AveragingDecay_ReturnsTheWarmedUpExponentialAverageOfTheWeightsAfterEachStep()
    {
        const double decay = 0.3;
        var data = CheckpointTestData.Data(40, 3);
        var options = new TrainerOptions { Epochs = 2, BatchSize = 8, Seed = 4 };
        // The raw run: its weights after every step (the averaged run takes the same steps).
        var raw = new SequenceModel(CheckpointTestData.ModelOptions, seed: 1);
        var steps = new List<float[]>();
        new SequenceTrainer(raw, options).Fit(data, null, new Progress(p =>
        {
            if (!p.IsEpochEnd)
            {
                steps.Add((float[])raw.Parameters.Values.Clone());
            }
        }));
        Assert.AreEqual(10, steps.Count, "5 batches in each of 2 epochs");
        var expected = (float[])steps[0].Clone();
        for (int t = 1; t < steps.Count; t++)
        {
            double d = Math.Min(decay, (1.0 + t) / (10.0 + t)); // the warm-up: 0.18 and 0.25, then the decay, 0.3
            for (int i = 0; i < expected.Length; i++)
            {
                expected[i] = (float)(d * expected[i] + (1 - d) * steps[t][i]);
            }
        }

        var averaged = new SequenceModel(CheckpointTestData.ModelOptions, seed: 1);
        new SequenceTrainer(averaged, options with { AveragingDecay = decay }).Fit(data);
        TestAssert.AssertClose(expected, averaged.Parameters.Values, 1e-5, 1e-6, "averaged weights");
        Assert.IsTrue(expected.Zip(steps[^1]).Any(p => Math.Abs(p.First - p.Second) > 1e-4), "the average differs from the last step's weights");
    }

    [TestMethod]
    public void Fit_AveragingWithValidation_ValidatesAndKeepsTheAveragedWeights()
    {
        var data = CheckpointTestData.Data(40, 3);
        var validation = CheckpointTestData.Data(16, 5);
        var options = new TrainerOptions { Epochs = 3, BatchSize = 8, Seed = 4, EarlyStoppingPatience = 5, AveragingDecay = 0.9 };
        var model = new SequenceModel(CheckpointTestData.ModelOptions, seed: 1);
        var result = new SequenceTrainer(model, options).Fit(data, validation);
        var kept = SequenceEvaluator.Evaluate(model, validation, 64);
        Assert.AreEqual(result.History[result.BestEpoch - 1].Validation!.Loss, kept.Loss, 1e-9, "the returned weights are the validated (averaged) ones of the best epoch");
    }

    [TestMethod]
    public void LoadCheckpoint_WithAveraging_EndsExactlyWhereAnUninterruptedRunEnds()
    {
        var data = CheckpointTestData.Data(40, 3);
        var options = new TrainerOptions { Epochs = 3, BatchSize = 8, Seed = 4, AveragingDecay = 0.9 };
        var reference = new SequenceModel(CheckpointTestData.ModelOptions, seed: 1);
        new SequenceTrainer(reference, options).Fit(data);

        var first = new SequenceTrainer(new SequenceModel(CheckpointTestData.ModelOptions, seed: 1), options with { Epochs = 1 });
        first.Fit(data);
        using var checkpoint = new MemoryStream();
        first.SaveCheckpoint(checkpoint);
        var resumedModel = new SequenceModel(CheckpointTestData.ModelOptions, seed: 7);
        var resumed = new SequenceTrainer(resumedModel, options);
        checkpoint.Position = 0;
        resumed.LoadCheckpoint(checkpoint);
        resumed.Fit(data);
        TestAssert.AssertBitIdentical(reference.Parameters.Values, resumedModel.Parameters.Values, "averaged weights after resume");

        var plain = new SequenceTrainer(new SequenceModel(CheckpointTestData.ModelOptions, seed: 1), options with { AveragingDecay = null });
        checkpoint.Position = 0;
        var refused = Assert.ThrowsExactly<InvalidDataException>(() => plain.LoadCheckpoint(checkpoint));
        StringAssert.Contains(refused.Message, "average=0.9");
    }

    [TestMethod]
    [DataRow(0.0)]
    [DataRow(1.0)]
    [DataRow(double.NaN)]
    public void Validate_AveragingDecayOutsideTheOpenUnitInterval_Throws(double decay)
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TrainerOptions { AveragingDecay = decay }.Validate());
        Assert.AreEqual(nameof(TrainerOptions.AveragingDecay), e.ParamName);
    }

    private sealed class Progress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }
}
