using Microsoft.ML.Recurrent.AutoML;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.AutoML;

/// <summary>
/// The search starts from the defaults: the first trial trains exactly as a trainer with the defaults and the seed would,
/// the others are drawn around it, and the n-gram ensemble, character input, weight averaging and dropout are searched.
/// </summary>
[TestClass]
public sealed class RecurrentExperimentStartingPointTests
{
    private static readonly SequenceModelOptions Rich = RecurrentExperimentTests.Classifier() with
    {
        Bidirectional = false, NgramBuckets = 1024, NgramEnsemble = true, CharacterVocabularySize = 40, CharacterEmbeddingSize = 4, CharacterFilters = 4,
    };

    [TestMethod]
    public void Run_FirstTrial_TrainsExactlyAsATrainerWithTheDefaultsAndTheSeed()
    {
        var train = RecurrentExperimentTests.FirstTokenClass(80, seed: 3, minLength: 3, maxLength: 6);
        var validation = RecurrentExperimentTests.FirstTokenClass(30, seed: 4, minLength: 3, maxLength: 6);
        var model = RecurrentExperimentTests.Classifier() with { HiddenSize = 8, EmbeddingSize = 8, Bidirectional = false };
        var trainer = new TrainerOptions { LearningRate = 0.01, BatchSize = 16, AveragingDecay = 0.9, EarlyStoppingPatience = 2 };
        var options = RecurrentExperimentTests.Options(trials: 3, seed: 5) with
        {
            Model = model, Trainer = trainer, MinEpochs = 1, MaxEpochs = 5, EarlyStoppingPatience = 4, RefitOnAllData = false, CalibrateProbabilities = false,
        };

        var result = new RecurrentExperiment(options).Run(train, validation);

        var first = result.Runs.Single(r => r.TrialId == 0);
        Assert.AreEqual((0, 5), (first.Rung, first.EpochBudget), "the first trial trains for MaxEpochs from the first rung, once");
        var direct = new SequenceModel(model, seed: 5);
        var fit = new SequenceTrainer(direct, trainer with { Epochs = 5, Seed = 5 }).Fit(train, validation);
        Assert.AreEqual(fit.History[fit.BestEpoch - 1].Validation!.Loss, first.ValidationLoss, "the same run as the trainer's");
        Assert.AreEqual(fit.BestEpoch, first.BestEpoch);
        Assert.IsTrue(result.BestTrial.Metric >= first.Metric, "the winner is never worse on validation than the starting point");

        // A template without early stopping: the first trial keeps its last weights, as that trainer would.
        var last = new RecurrentExperiment(options with { Trainer = trainer with { EarlyStoppingPatience = null }, MaxTrials = 1 }).Run(train, validation).Runs.Single();
        Assert.AreEqual((5, 5, false), (last.EpochsTrained, last.BestEpoch, last.StoppedEarly));
    }

    [TestMethod]
    public void SampleAround_FirstTrial_ChangesAFewDimensionsWithinTheSpace()
    {
        var space = RecurrentSearchSpace.ForTask(SequenceTask.Classification);
        var start = new TrialSettings(RecurrentCellKind.Lstm, 64, 1, true, 64, 0f, OptimizerKind.Adam, 3e-3, 16, 0, 5)
        {
            NgramEnsemble = true, CharacterAwareWords = false, AveragingDecay = 0.99, DropoutScale = 1,
        };
        var random = new Random(7);
        var changed = new List<int>();
        for (int i = 0; i < 300; i++)
        {
            var s = space.SampleAround(random, start, Rich, stream: false);
            Assert.AreNotEqual(start, s, "every trial differs from the starting point");
            Assert.IsTrue(space.HiddenSizes.Contains(s.HiddenSize) && space.Cells.Contains(s.Cell) && s.LearningRate >= space.MinLearningRate && s.LearningRate <= space.MaxLearningRate);
            changed.Add(new object?[]
            {
                s.Cell, s.HiddenSize, s.NumLayers, s.Bidirectional, s.EmbeddingSize, s.Optimizer, s.LearningRate, s.BatchSize, s.ClipGradientNorm,
                s.NgramEnsemble, s.CharacterAwareWords, s.AveragingDecay, s.DropoutScale,
            }.Zip(new object?[]
            {
                start.Cell, start.HiddenSize, start.NumLayers, start.Bidirectional, start.EmbeddingSize, start.Optimizer, start.LearningRate, start.BatchSize,
                start.ClipGradientNorm, start.NgramEnsemble, start.CharacterAwareWords, start.AveragingDecay, start.DropoutScale,
            }).Count(p => !Equals(p.First, p.Second)));
        }
        double mean = changed.Average();
        Assert.IsTrue(mean is > 1 and < 5, $"about 0.3 of 13 dimensions drawn afresh (some to the same value): mean {mean:F2} changed");
    }

    [TestMethod]
    public void Sample_TemplateWithNgramsAndCharacters_SearchesTheNewOptions()
    {
        var space = RecurrentSearchSpace.ForTask(SequenceTask.Classification);
        var random = new Random(3);
        var samples = Enumerable.Range(0, 100).Select(_ => space.Sample(random, Rich, stream: false)).ToList();
        CollectionAssert.AreEquivalent(new bool?[] { false, true }, samples.Select(s => s.NgramEnsemble).Distinct().ToArray());
        CollectionAssert.AreEquivalent(new bool?[] { false, true }, samples.Select(s => s.CharacterAwareWords).Distinct().ToArray());
        CollectionAssert.AreEquivalent(new double?[] { 0, 0.99 }, samples.Select(s => s.AveragingDecay).Distinct().ToArray());
        CollectionAssert.AreEquivalent(new double?[] { 0.5, 1, 1.5 }, samples.Select(s => s.DropoutScale).Distinct().ToArray());

        var plain = space.Sample(new Random(3), RecurrentExperimentTests.Classifier(), stream: false);
        Assert.AreEqual((null, null), (plain.NgramEnsemble, plain.CharacterAwareWords), "a template without n-grams or characters has nothing to switch");
    }

    [TestMethod]
    public void ToModelOptions_NgramAndCharacterSwitches_UseWhatTheTemplateHolds()
    {
        var s = TrialSettings.FromTemplate(Rich, null, stream: false);
        Assert.AreEqual((true, true, 0.0, 1.0), (s.NgramEnsemble, s.CharacterAwareWords, s.AveragingDecay, s.DropoutScale));
        Assert.AreEqual(Rich, s.ToModelOptions(Rich), "the template's own settings give the template back");

        var off = (s with { NgramEnsemble = false, CharacterAwareWords = false }).ToModelOptions(Rich);
        Assert.AreEqual((0, false, 0), (off.NgramBuckets, off.NgramEnsemble, off.CharacterVocabularySize));
        var wide = Rich with { NgramEnsemble = false };
        Assert.AreEqual(1024, (s with { NgramEnsemble = false }).ToModelOptions(wide).NgramBuckets, "a wide n-gram part that is no ensemble stays");
        Assert.IsTrue((s with { NgramEnsemble = true }).ToModelOptions(wide).NgramEnsemble);
        var kept = (s with { NgramEnsemble = null, CharacterAwareWords = null }).ToModelOptions(Rich);
        Assert.AreEqual((1024, true, 40), (kept.NgramBuckets, kept.NgramEnsemble, kept.CharacterVocabularySize), "null keeps the template's");
    }

    [TestMethod]
    public void ToTrainerOptions_AveragingAndDropoutScale_ReplaceTheTemplatesWhereSet()
    {
        var template = new TrainerOptions
        {
            AveragingDecay = 0.99, Regularization = new RegularizationOptions { EmbeddingDropout = 0.1f, InputDropout = 0.2f, OutputDropout = 0.6f },
        };
        var s = new TrialSettings(RecurrentCellKind.Lstm, 8, 1, false, 8, 0f, OptimizerKind.Adam, 0.01, 16, 0, 5);

        var kept = s.ToTrainerOptions(template, 3, 1, null, null);
        Assert.AreEqual((0.99, template.Regularization), (kept.AveragingDecay, kept.Regularization), "null keeps the template's");
        var none = (s with { AveragingDecay = 0 }).ToTrainerOptions(template, 3, 1, null, null);
        Assert.IsNull(none.AveragingDecay, "0 is no averaging");
        var scaled = (s with { DropoutScale = 2 }).ToTrainerOptions(template, 3, 1, null, null).Regularization!;
        Assert.AreEqual((0.2f, 0.4f, 0.9f), (scaled.EmbeddingDropout, scaled.InputDropout, scaled.OutputDropout), "doubled, capped at 0.9");
        Assert.IsNull((s with { DropoutScale = 2 }).ToTrainerOptions(null, 3, 1, null, null).Regularization, "nothing to scale");
    }

    [TestMethod]
    public void Validate_NewChoices_OutOfRangeNamed()
    {
        var space = RecurrentSearchSpace.ForTask(SequenceTask.Classification);
        Assert.AreEqual("AveragingDecays", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => (space with { AveragingDecays = [1.0] }).Validate(SequenceTask.Classification)).ParamName);
        Assert.AreEqual("DropoutScales", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => (space with { DropoutScales = [-1.0] }).Validate(SequenceTask.Classification)).ParamName);
        Assert.AreEqual("ChangeProbability", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => (space with { ChangeProbability = 0 }).Validate(SequenceTask.Classification)).ParamName);
        Assert.AreEqual("NgramEnsemble", Assert.ThrowsExactly<ArgumentException>(() => (space with { NgramEnsemble = [] }).Validate(SequenceTask.Classification)).ParamName);
    }
}
