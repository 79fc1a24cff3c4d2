using Microsoft.ML.Recurrent.Seq2Seq;

namespace Microsoft.ML.Recurrent.Tests.Seq2Seq;

/// <summary>The random search over sequence-to-sequence models on a tiny set.</summary>
[TestClass]
public sealed class Seq2SeqExperimentTests
{
    private static readonly Seq2SeqSearchSpace Tiny = new() { HiddenSizes = [4, 8], EmbeddingSizes = [3, 5], BatchSizes = [4, 8] };

    [TestMethod]
    public void Run_TrialBudget_ReturnsTheBestTrialsModelAndIsRepeatable()
    {
        var template = Seq2SeqTestModels.Create("Lstm", true, 1, "Lstm", 1, "General", true, 0);
        var train = Seq2SeqTestModels.Batch(template, 24, seed: 1);
        var validation = Seq2SeqTestModels.Batch(template, 8, seed: 2);
        Seq2SeqExperiment Experiment() => new(Tiny, maxTrials: 3, TimeSpan.FromMinutes(10), seed: 4) { EpochsPerTrial = 2 };
        var reports = new List<Seq2SeqTrial>();
        var (best, trials) = Experiment().Run(Seq2SeqTestModels.Source, Seq2SeqTestModels.Target, train, validation, new Progress(reports.Add));
        Assert.HasCount(3, trials);
        Assert.HasCount(3, reports);
        CollectionAssert.AreEqual(trials.Select(t => t.ValidationLoss).Order().ToArray(), trials.Select(t => t.ValidationLoss).ToArray(), "best first");
        Assert.AreEqual(trials[0].Options, best.Options, "the best trial's model");
        Assert.AreEqual(trials[0].ValidationLoss, best.Evaluate(validation).Loss, 1e-12, "its best epoch's weights");
        foreach (var t in trials)
        {
            Assert.IsTrue(Tiny.HiddenSizes.Contains(t.Options.DecoderHiddenSize) && Tiny.EmbeddingSizes.Contains(t.Options.SourceEmbeddingSize)
                && Tiny.BatchSizes.Contains(t.BatchSize) && t.LearningRate >= Tiny.MinLearningRate && t.LearningRate <= Tiny.MaxLearningRate, t.ToString());
        }
        var (_, again) = Experiment().Run(Seq2SeqTestModels.Source, Seq2SeqTestModels.Target, train, validation);
        CollectionAssert.AreEqual(trials.Select(t => (t.Options, t.LearningRate, t.ValidationLoss)).ToArray(),
            again.Select(t => (t.Options, t.LearningRate, t.ValidationLoss)).ToArray(), "same seed, same trials");
    }

    [TestMethod]
    public void Run_EmptySearchListOrValidation_ThrowsNamingIt()
    {
        var template = Seq2SeqTestModels.Create("Lstm", true, 1, "Lstm", 1, "General", true, 0);
        var train = Seq2SeqTestModels.Batch(template, 4);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new Seq2SeqExperiment(Tiny with { Attentions = [] }, 1, TimeSpan.FromMinutes(1))).Message, "Attentions");
        var ok = new Seq2SeqExperiment(Tiny, 1, TimeSpan.FromMinutes(1));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ok.Run(Seq2SeqTestModels.Source, Seq2SeqTestModels.Target, train, [])).Message, "validation");
    }

    private sealed class Progress(Action<Seq2SeqTrial> action) : IProgress<Seq2SeqTrial>
    {
        public void Report(Seq2SeqTrial value) => action(value);
    }
}
