using Microsoft.ML.Recurrent.AutoML;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.AutoML;

/// <summary>A classification experiment calibrates its trials' probabilities on their held-out rows, and its refit takes the best trial's temperature.</summary>
[TestClass]
public sealed class RecurrentExperimentCalibrationTests
{
    // Noisy labels (a fifth flipped) make a model trained to low loss over-confident, so there is a temperature to find.
    private static List<SequenceExample> Noisy(int count, int seed)
    {
        var rng = new Random(seed + 100);
        return [.. RecurrentExperimentTests.FirstTokenClass(count, seed, minLength: 2, maxLength: 4)
            .Select(e => rng.NextDouble() < 0.2 ? SequenceExample.ForClassification(e.Tokens!, 1 - e.Label) : e)];
    }

    [TestMethod]
    public void Run_Classification_RefitTakesTheBestTrialsTemperature_AndOnlyTheHeadChanges()
    {
        var data = Noisy(200, seed: 7);
        var options = RecurrentExperimentTests.Options(trials: 2) with { MinEpochs = 6, MaxEpochs = 6, IncludeTemplate = false };

        var calibrated = new RecurrentExperiment(options).Run(data);
        var plain = new RecurrentExperiment(options with { CalibrateProbabilities = false }).Run(data);

        double t = calibrated.BestTrial.Temperature;
        Assert.AreNotEqual(1.0, t, "an over-confident model gets a temperature");
        Assert.AreEqual(1.0, plain.BestTrial.Temperature);
        Assert.AreEqual(plain.BestTrial.Settings, calibrated.BestTrial.Settings, "calibration does not change the ranking");
        var (a, b) = (calibrated.BestModel, plain.BestModel);
        var (x, y) = (a.Parameters.Values, b.Parameters.Values);
        bool InHead(int i) => (i >= a.HeadWeight.Offset && i < a.HeadWeight.Offset + a.HeadWeight.Length)
            || (i >= a.HeadBias.Offset && i < a.HeadBias.Offset + a.HeadBias.Length);
        Assert.AreEqual(y.Length, x.Length);
        for (int i = 0; i < x.Length; i++)
        {
            float expected = InHead(i) ? y[i] * (float)(1 / t) : y[i];
            Assert.AreEqual(expected, x[i], InHead(i) ? 1e-6f + 1e-6f * Math.Abs(expected) : 0f, $"parameter value {i}");
        }
    }

    [TestMethod]
    public void Run_ClassificationWithoutRefit_BestModelIsCalibratedOnItsHeldOutRows()
    {
        var data = Noisy(200, seed: 8);
        var validation = Noisy(80, seed: 9);
        var options = RecurrentExperimentTests.Options(trials: 2) with { MinEpochs = 6, MaxEpochs = 6, IncludeTemplate = false, RefitOnAllData = false };

        var calibrated = new RecurrentExperiment(options).Run(data, validation);
        var plain = new RecurrentExperiment(options with { CalibrateProbabilities = false }).Run(data, validation);

        double before = SequenceEvaluator.Evaluate(plain.BestModel, validation).Loss;
        double after = SequenceEvaluator.Evaluate(calibrated.BestModel, validation).Loss;
        Assert.IsTrue(after < before, $"validation loss {before:F4} -> {after:F4}");
        Assert.AreEqual(SequenceEvaluator.Evaluate(plain.BestModel, validation).Accuracy, SequenceEvaluator.Evaluate(calibrated.BestModel, validation).Accuracy);
    }

    [TestMethod]
    public void Run_Regression_IsNeverCalibrated()
    {
        var rng = new Random(3);
        var series = Enumerable.Range(0, 60).Select(_ =>
        {
            var x = Enumerable.Range(0, 4).Select(_ => (float)rng.NextDouble()).ToArray();
            return SequenceExample.ForRegression(x, [x.Sum()]);
        }).ToList();
        var options = new RecurrentExperimentOptions
        {
            Model = new SequenceModelOptions { Task = SequenceTask.Regression, InputFeatures = 1, OutputSize = 1 },
            SearchSpace = RecurrentExperimentTests.Small, MaxTrials = 1, MinEpochs = 1, MaxEpochs = 1, IncludeTemplate = false,
        };
        Assert.AreEqual(1.0, new RecurrentExperiment(options).Run(series).BestTrial.Temperature);
    }
}
