using Microsoft.ML.Recurrent.AutoML;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.AutoML;

/// <summary>The experiment starts from its templates: the first trial is theirs, and every trial keeps the trainer's regularization.</summary>
[TestClass]
public sealed class RecurrentExperimentTemplateTests
{
    [TestMethod]
    public void Run_IncludeTemplate_FirstTrialIsTheTemplatesOwnSettingsEvenOutsideTheSpace()
    {
        var data = RecurrentExperimentTests.FirstTokenClass(120, seed: 5, minLength: 3, maxLength: 6);
        var model = RecurrentExperimentTests.Classifier() with { Cell = RecurrentCellKind.Gru, HiddenSize = 12, EmbeddingSize = 6, Bidirectional = false };
        var trainer = new TrainerOptions { LearningRate = 0.007, BatchSize = 24, ClipGradientNorm = null };
        var options = RecurrentExperimentTests.Options(trials: 3) with { Model = model, Trainer = trainer };

        var result = new RecurrentExperiment(options).Run(data);

        var first = result.Runs.First(r => r.TrialId == 0).Settings;
        Assert.AreEqual(TrialSettings.FromTemplate(model, trainer, stream: false), first);
        Assert.AreEqual((RecurrentCellKind.Gru, 12, 6, 0.007, 24), (first.Cell, first.HiddenSize, first.EmbeddingSize, first.LearningRate, first.BatchSize));
        Assert.IsTrue(double.IsPositiveInfinity(first.ClipGradientNorm), "no clipping in the template is an infinite threshold");
        Assert.IsNull(first.ToTrainerOptions(trainer, 3, 0, null, null).ClipGradientNorm, "and trains without clipping again");
        // The other trials are sampled from the space (hidden sizes 8 and 16 only).
        Assert.IsTrue(result.Runs.Where(r => r.TrialId > 0).All(r => r.Settings.HiddenSize is 8 or 16));

        var without = new RecurrentExperiment(options with { IncludeTemplate = false }).Run(data);
        Assert.IsTrue(without.Runs.All(r => r.Settings.HiddenSize is 8 or 16), "IncludeTemplate = false samples every trial");
    }

    [TestMethod]
    public void Run_TrainerTemplate_EveryTrialKeepsItsClassWeights()
    {
        // Class 1 weighs nothing, so a trial that keeps the template's class weights never learns to predict it: its
        // validation accuracy stays near the share of class 0, while the same search without the template learns the task.
        var data = RecurrentExperimentTests.FirstTokenClass(160, seed: 6, minLength: 2, maxLength: 4);
        var options = RecurrentExperimentTests.Options(trials: 2) with { IncludeTemplate = false, MinEpochs = 3, MaxEpochs = 3, RefitOnAllData = false };

        var plain = new RecurrentExperiment(options).Run(data);
        var weighted = new RecurrentExperiment(options with { Trainer = new TrainerOptions { ClassWeights = [1f, 0f] } }).Run(data);

        Assert.IsTrue(plain.BestTrial.ValidationAccuracy > 0.9, $"without class weights: {plain.BestTrial.ValidationAccuracy:F3}");
        Assert.IsTrue(weighted.Leaderboard.All(t => t.ValidationAccuracy < 0.75), string.Join(", ", weighted.Leaderboard.Select(t => t.ValidationAccuracy.ToString("F3"))));
    }

    [TestMethod]
    public void ToTrainerOptions_Template_KeepsWhatTheSearchDoesNotChoose()
    {
        var settings = new TrialSettings(RecurrentCellKind.Lstm, 16, 1, false, 8, 0f, OptimizerKind.AdamW, 0.01, 16, 0, 2.0);
        var template = new TrainerOptions
        {
            WeightDecay = 0.05, AveragingDecay = 0.99, LearningRate = 1, BatchSize = 99, TimeLimit = TimeSpan.FromHours(1),
            Regularization = new RegularizationOptions { EmbeddingDropout = 0.1f, WeightDropout = 0.2f },
            ReduceOnPlateau = new ReduceLROnPlateauOptions { Factor = 0.5, Patience = 0 },
        };

        var o = settings.ToTrainerOptions(template, epochs: 7, seed: 3, earlyStoppingPatience: 2, timeLimit: TimeSpan.FromSeconds(9));

        Assert.AreEqual((0.05, 0.99), (o.WeightDecay, o.AveragingDecay));
        Assert.AreSame(template.Regularization, o.Regularization);
        Assert.AreSame(template.ReduceOnPlateau, o.ReduceOnPlateau);
        Assert.AreEqual((7, 16, OptimizerKind.AdamW, 0.01, 2.0, 3, 2), (o.Epochs, o.BatchSize, o.Optimizer, o.LearningRate, o.ClipGradientNorm!.Value, o.Seed, o.EarlyStoppingPatience!.Value));
        Assert.AreEqual(TimeSpan.FromSeconds(9), o.TimeLimit);
        Assert.AreEqual(settings.ToTrainerOptions(7, 3, 2, TimeSpan.FromSeconds(9)), settings.ToTrainerOptions(null, 7, 3, 2, TimeSpan.FromSeconds(9)));
    }

    [TestMethod]
    public void Validate_BadTrainerTemplate_IsRefusedBeforeAnyTraining()
    {
        var options = RecurrentExperimentTests.Options(trials: 2) with { Trainer = new TrainerOptions { BatchSize = 0 } };
        Assert.AreEqual("BatchSize", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new RecurrentExperiment(options)).ParamName);
    }
}
