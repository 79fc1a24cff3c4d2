using System.Diagnostics;
using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.AutoML;
using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.PluginTests;

[TestClass]
public sealed class RecurrentTextExperimentTests
{
    internal static IEnumerable<RecurrentTextBinaryTrainerTests.Row> Rows(int count, int seed)
    {
        var rng = new Random(seed);
        string[] good = ["great", "tasty", "friendly"], bad = ["awful", "rude", "cold"];
        for (int i = 0; i < count; i++)
        {
            bool positive = rng.Next(2) == 1;
            var w = positive ? good : bad;
            yield return new RecurrentTextBinaryTrainerTests.Row { Text = $"the food was {w[rng.Next(3)]} and {w[rng.Next(3)]}", Label = positive };
        }
    }

    private static RecurrentTextExperimentSettings Settings(int trials) => new()
    {
        MaxTrials = trials, Seed = 2, MaxExperimentTime = TimeSpan.FromMinutes(2),
        SearchSpace = RecurrentSearchSpace.ForTask(Models.SequenceTask.Classification) with
        {
            Cells = [RecurrentCellKind.Gru, RecurrentCellKind.RnnTanh], HiddenSizes = [8, 16], NumLayers = [1], EmbeddingSizes = [8],
        },
    };

    [TestMethod]
    public void Execute_TrialBudget_ReturnsLeaderboardAndASaveableBestModel()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Rows(120, 1));
        var result = ml.BinaryClassification.RecurrentTextExperiment(Settings(3)).Execute(data);
        Assert.AreEqual(3, result.Leaderboard.Count, "one row per configuration");
        Assert.AreSame(result.Leaderboard[0], result.BestRun);
        var metrics = ml.BinaryClassification.Evaluate(result.BestModel.Transform(ml.Data.LoadFromEnumerable(Rows(60, 2))));
        Assert.IsTrue(metrics.Accuracy > 0.9, $"accuracy {metrics.Accuracy}");

        using var stream = new MemoryStream();
        ml.Model.Save(result.BestModel, data.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out _);
        var a = result.BestModel.Transform(data).GetColumn<float>("Score").ToArray();
        var b = loaded.Transform(data).GetColumn<float>("Score").ToArray();
        CollectionAssert.AreEqual(a, b, "the loaded best model predicts the same");
    }

    [TestMethod]
    public void Execute_TimeBudget_StopsPromptly_AndSameSeedGivesSameLeaderboard()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Rows(80, 3));
        var settings = Settings(100);
        settings.MaxExperimentTime = TimeSpan.FromMilliseconds(300);
        var clock = Stopwatch.StartNew();
        var timed = ml.BinaryClassification.RecurrentTextExperiment(settings).Execute(data);
        Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.IsTrue(timed.Leaderboard.Count >= 1, "at least one trial");
        Assert.IsTrue(timed.Details.TimeBudgetExhausted || timed.Leaderboard.Count == 100, "either the budget ended the search or every trial ran");

        string Board() => string.Join("\n", ml.BinaryClassification.RecurrentTextExperiment(Settings(3)).Execute(data).Leaderboard.Select(t => $"{t.TrialId} {t.Settings} {t.Metric}"));
        Assert.AreEqual(Board(), Board());
    }

    [TestMethod]
    public void Execute_BadData_Throws()
    {
        var ml = new MLContext(1);
        var oneClass = ml.Data.LoadFromEnumerable(Rows(20, 4).Select(r => new RecurrentTextBinaryTrainerTests.Row { Text = r.Text, Label = false }));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.BinaryClassification.RecurrentTextExperiment(Settings(2)).Execute(oneClass)).Message, "only one class");
        var data = ml.Data.LoadFromEnumerable(Rows(20, 4));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.BinaryClassification.RecurrentTextExperiment(Settings(2)).Execute(data, textColumnName: "Body")).Message, "'Body' was not found");
    }

    [TestMethod]
    public void Execute_KeyVectorTokens_LikeTheTrainer_AndReloads()
    {
        var ml = new MLContext(1);
        var raw = ml.Data.LoadFromEnumerable(Rows(100, 5));
        var data = ml.Transforms.Text.TokenizeIntoWords("Words", "Text").Append(ml.Transforms.Conversion.MapValueToKey("Tokens", "Words")).Fit(raw).Transform(raw);
        var result = ml.BinaryClassification.RecurrentTextExperiment(Settings(2)).Execute(data, textColumnName: "Tokens");
        var scores = result.BestModel.Transform(data).GetColumn<float>("Score").ToArray();
        Assert.IsTrue(ml.BinaryClassification.Evaluate(result.BestModel.Transform(data)).Accuracy > 0.9);
        using var stream = new MemoryStream();
        ml.Model.Save(result.BestModel, data.Schema, stream);
        stream.Position = 0;
        CollectionAssert.AreEqual(scores, ml.Model.Load(stream, out _).Transform(data).GetColumn<float>("Score").ToArray());
    }
}
