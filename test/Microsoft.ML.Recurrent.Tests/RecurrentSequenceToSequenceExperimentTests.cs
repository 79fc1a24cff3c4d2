using Microsoft.ML.Recurrent.AutoML;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Seq2Seq;
using Microsoft.ML.Recurrent.Text;
using Pair = Microsoft.ML.Recurrent.PluginTests.RecurrentSequenceToSequenceEstimatorTests.Pair;
using Spelled = Microsoft.ML.Recurrent.PluginTests.RecurrentSequenceToSequenceEstimatorTests.Spelled;

namespace Microsoft.ML.Recurrent.PluginTests;

[TestClass]
public sealed class RecurrentSequenceToSequenceExperimentTests
{
    // Tiny budgets: small sizes, both cells and attentions, a learning rate that learns in a few epochs.
    private static RecurrentSequenceToSequenceExperimentSettings Settings(int maxTrials = 3, int maxEpochs = 6) => new()
    {
        MaxTrials = maxTrials, MaxEpochs = maxEpochs, Seed = 2, MaxExperimentTime = TimeSpan.FromMinutes(3), TargetTokens = TokenizerKind.Word,
        AttentionColumnName = "Attention", BeamWidth = 2,
        SequenceToSequenceSearchSpace = new Seq2SeqSearchSpace
        {
            Cells = [RecurrentCellKind.Gru, RecurrentCellKind.Lstm], HiddenSizes = [16], EmbeddingSizes = [8], BatchSizes = [16],
            MinLearningRate = 1e-2, MaxLearningRate = 2e-2,
        },
    };

    private sealed class Collect<T> : IProgress<T>
    {
        public List<T> Items { get; } = [];

        public void Report(T value) => Items.Add(value);
    }

    [TestMethod]
    public void Execute_Reversal_RanksByLossAndBestModelReloadsWithIdenticalTextAndAttention()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(RecurrentSequenceToSequenceEstimatorTests.Reversals(120, 5, spaced: true));
        var progress = new Collect<Seq2SeqTrial>();
        var result = ml.Transforms.Text.RecurrentSequenceToSequenceExperiment(Settings()).Execute(data, progress: progress);

        Assert.AreEqual(RecurrentExperimentTask.SequenceToSequence, result.Task);
        Assert.AreEqual(ExperimentMetric.Loss, result.Metric);
        Assert.HasCount(3, result.Leaderboard);
        CollectionAssert.AreEquivalent(progress.Items, result.Leaderboard.ToList());
        for (int i = 1; i < result.Leaderboard.Count; i++)
        {
            Assert.IsTrue(result.Leaderboard[i - 1].ValidationLoss <= result.Leaderboard[i].ValidationLoss, $"row {i} of\n{result.FormatLeaderboard()}");
        }
        Assert.AreSame(result.Leaderboard[0], result.BestRun);
        StringAssert.Contains(result.FormatLeaderboard(), RecurrentSequenceToSequenceExperimentResult.Describe(result.BestRun));
        // The model and training record are the best trial's own: its options, and the best validation loss it was ranked by.
        Assert.AreEqual(result.BestRun.Options, result.BestModel.Model.Options);
        Assert.AreEqual(result.BestRun.ValidationLoss, result.BestModel.TrainingResult.History.Min(h => h.Validation!.Loss));
        // Better than a uniform guess over the target tokens (a, b, c, UNK, BOS, EOS).
        Assert.IsTrue(result.BestRun.ValidationLoss < Math.Log(6), $"validation loss {result.BestRun.ValidationLoss}\n{result.FormatLeaderboard()}");

        var schema = result.BestModel.GetOutputSchema(data.Schema);
        CollectionAssert.AreEqual(new[] { "Text", "Label", "PredictedText", "Attention" }, schema.Select(c => c.Name).ToArray());
        var test = ml.Data.LoadFromEnumerable(new[] { "abca", "cab", "b", "ccba" }.Select(w => new Pair { Text = w }));
        var predicted = ml.Data.CreateEnumerable<Spelled>(result.BestModel.Transform(test), reuseRowObject: false).ToList();
        using var stream = new MemoryStream();
        ml.Model.Save(result.BestModel, data.Schema, stream);
        stream.Position = 0;
        var loaded = new MLContext().Model.Load(stream, out _);
        var again = ml.Data.CreateEnumerable<Spelled>(loaded.Transform(test), reuseRowObject: false).ToList();
        for (int i = 0; i < predicted.Count; i++)
        {
            Assert.AreEqual(predicted[i].PredictedText, again[i].PredictedText, $"row {i}");
            CollectionAssert.AreEqual(predicted[i].Attention, again[i].Attention, $"attention of row {i}");
            Assert.IsNotEmpty(predicted[i].Attention);
        }
    }

    [TestMethod]
    public void Execute_ValidationData_RanksOnItWithTheTrainingVocabulary()
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromEnumerable(RecurrentSequenceToSequenceEstimatorTests.Reversals(40, 6, spaced: true));
        // "d" is in no training row: it reads as the source's UNK, and its reversal as the target's.
        var validation = ml.Data.LoadFromEnumerable(new[] { new Pair { Text = "abd", Label = "d b a" }, new Pair { Text = "ca", Label = "a c" } });
        var result = ml.Transforms.Text.RecurrentSequenceToSequenceExperiment(Settings(maxTrials: 1, maxEpochs: 1)).Execute(train, validation);
        Assert.HasCount(1, result.Leaderboard);
        Assert.IsTrue(double.IsFinite(result.BestRun.ValidationLoss));
        Assert.IsFalse(result.BestModel.Model.TargetVocabulary.Contains("d"), "the vocabulary comes from the training data");
    }

    [TestMethod]
    public void Execute_BadColumns_ThrowNamingTheColumnItsTypeAndWhatIsAllowed()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(RecurrentSequenceToSequenceEstimatorTests.Reversals(20, 1, spaced: false));
        var numbers = ml.Data.LoadFromEnumerable(new[] { new { Text = "ab", Label = 2f } });
        RecurrentSequenceToSequenceExperiment Experiment() => ml.Transforms.Text.RecurrentSequenceToSequenceExperiment(Settings(maxTrials: 1, maxEpochs: 1));
        void Throws(Action run, string paramName, params string[] parts)
        {
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(run);
            Assert.AreEqual(paramName, e.ParamName);
            foreach (var part in parts)
            {
                StringAssert.Contains(e.Message, part);
            }
        }
        Throws(() => Experiment().Execute(data, new RecurrentColumnInformation { TextColumnName = "Word" }), "trainData",
            "Column 'Word' was not found; expected a text (string) column", "Columns: Text, Label");
        Throws(() => Experiment().Execute(numbers), "trainData", "Column 'Label' has type Single; expected a text (string) column");
        Throws(() => Experiment().Execute(data, numbers), "validationData", "Column 'Label' has type Single; expected a text (string) column");
        var unnamed = Assert.ThrowsExactly<ArgumentException>(() => Experiment().Execute(data, new RecurrentColumnInformation { LabelColumnName = "" }));
        StringAssert.Contains(unnamed.Message, "LabelColumnName is empty; a SequenceToSequence experiment reads that column");
        var general = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.CreateRecurrentExperiment(RecurrentExperimentTask.SequenceToSequence));
        StringAssert.Contains(general.Message, "mlContext.Transforms.Text.RecurrentSequenceToSequenceExperiment(settings)");
    }

    [TestMethod]
    public void Execute_BadDataOrSettings_ThrowsSayingWhy()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(RecurrentSequenceToSequenceEstimatorTests.Reversals(20, 1, spaced: false));
        var empty = ml.Data.LoadFromEnumerable(new List<Pair>());
        var blank = ml.Data.LoadFromEnumerable(new[] { new Pair { Text = "", Label = "x" } });
        string Message<T>(IDataView train, IDataView? validation = null, Action<RecurrentSequenceToSequenceExperimentSettings>? change = null, string? paramName = null)
            where T : Exception
        {
            var settings = Settings(maxTrials: 1, maxEpochs: 1);
            change?.Invoke(settings);
            var experiment = ml.Transforms.Text.RecurrentSequenceToSequenceExperiment(settings);
            var e = Assert.Throws<T>(() => validation is null ? experiment.Execute(train) : experiment.Execute(train, validation));
            Assert.AreEqual(typeof(T), e.GetType(), e.Message);
            if (paramName is not null)
            {
                Assert.AreEqual(paramName, ((ArgumentException)(Exception)e).ParamName);
            }
            return e.Message;
        }
        StringAssert.Contains(Message<ArgumentException>(empty), "The training data has 0 rows with a non-empty source in 'Text'");
        StringAssert.Contains(Message<ArgumentException>(ml.Data.TakeRows(data, 1)), "needs at least 2 (some are held out for validation)");
        StringAssert.Contains(Message<ArgumentException>(data, blank), "The validation data has no rows with a non-empty source in 'Text'");
        StringAssert.Contains(Message<ArgumentException>(data, change: s => s.SearchSpace = RecurrentSearchSpace.ForTask(Models.SequenceTask.Classification), paramName: "SearchSpace"),
            "set SequenceToSequenceSearchSpace instead");
        StringAssert.Contains(Message<ArgumentException>(data, change: s => s.WordTokens = true, paramName: "WordTokens"), "set SourceTokens and TargetTokens instead");
        StringAssert.Contains(Message<ArgumentException>(data, change: s => s.OptimizingMetric = ExperimentMetric.Accuracy, paramName: "OptimizingMetric"), "null or Loss");
        StringAssert.Contains(Message<ArgumentException>(data, change: s => s.MaxParallelTrials = 2, paramName: "MaxParallelTrials"), "can only be 1");
        StringAssert.Contains(Message<ArgumentException>(data, change: s => s.CrossValidationFolds = 5, paramName: "CrossValidationFolds"), "null or 1");
        Message<ArgumentOutOfRangeException>(data, change: s => s.MaxTrials = 1001, paramName: "MaxTrials");
        Message<ArgumentOutOfRangeException>(data, change: s => s.ValidationFraction = 0.9, paramName: "ValidationFraction");
        Message<ArgumentOutOfRangeException>(data, change: s => s.BeamWidth = 0, paramName: "BeamWidth");
        Message<ArgumentOutOfRangeException>(data, change: s => s.TargetTokens = (TokenizerKind)9, paramName: "SourceTokens");
    }
}
