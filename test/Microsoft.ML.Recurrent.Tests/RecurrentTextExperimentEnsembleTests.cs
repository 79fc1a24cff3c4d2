using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.AutoML;
using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.PluginTests;

/// <summary>A text classifier's experiment returns its leading trials' models as an ensemble (RecurrentExperimentSettings.EnsembleSize).</summary>
[TestClass]
public sealed class RecurrentTextExperimentEnsembleTests
{
    private static RecurrentExperimentSettings Settings(int trials, int? members) => new()
    {
        MaxTrials = trials, Seed = 2, MaxExperimentTime = TimeSpan.FromMinutes(2), CrossValidationFolds = 1, EnsembleSize = members,
        SearchSpace = RecurrentSearchSpace.ForTask(Models.SequenceTask.Classification) with
        {
            Cells = [RecurrentCellKind.Gru, RecurrentCellKind.Lstm], HiddenSizes = [8, 16], NumLayers = [1], EmbeddingSizes = [8],
        },
    };

    [TestMethod]
    public void Execute_AutomaticSize_AveragesTheLeadingTrialsModels_BestFirst_AndReloadsExactly()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(RecurrentTextExperimentTests.Rows(200, 1));
        var result = ml.BinaryClassification.RecurrentTextExperiment(Settings(3, null)).Execute(data);

        // 180 training rows of 6 tokens: the classifiers' rule gives 5, and 3 trials succeeded.
        Assert.AreEqual(3, result.Details.TrialModels.Count);
        Assert.AreSame(result.Details.BestModel, result.Details.TrialModels[0]);
        Assert.AreEqual(3, result.BestModel.Members.Count);
        for (int i = 0; i < 3; i++)
        {
            Assert.AreSame(result.Details.TrialModels[i], result.BestModel.Members[i].Model, $"member {i} is leaderboard entry {i}'s model");
        }
        var test = ml.Data.LoadFromEnumerable(RecurrentTextExperimentTests.Rows(60, 2));
        var metrics = ml.BinaryClassification.Evaluate(result.BestModel.Transform(test));
        Assert.IsTrue(metrics.Accuracy > 0.9 && double.IsFinite(metrics.LogLoss), $"accuracy {metrics.Accuracy}, log-loss {metrics.LogLoss}");

        using var stream = new MemoryStream();
        ml.Model.Save(result.BestModel, data.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out _);
        CollectionAssert.AreEqual(result.BestModel.Transform(test).GetColumn<float>("Score").ToArray(), loaded.Transform(test).GetColumn<float>("Score").ToArray());
    }

    [TestMethod]
    public void Execute_EnsembleSizeOne_ReturnsTheBestTrialsModelAlone_AndTwoTheTopTwo()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(RecurrentTextExperimentTests.Rows(200, 1));
        var one = ml.BinaryClassification.RecurrentTextExperiment(Settings(3, 1)).Execute(data);
        Assert.AreEqual(1, one.BestModel.Members.Count);
        Assert.AreSame(one.Details.BestModel, one.BestModel.Model.Model);
        var two = ml.BinaryClassification.RecurrentTextExperiment(Settings(3, 2)).Execute(data);
        Assert.AreEqual(2, two.BestModel.Members.Count);
        Assert.AreSame(two.Details.TrialModels[1], two.BestModel.Members[1].Model);
    }

    [TestMethod]
    public void Execute_EnsembleSizeOutOfRange_OrForAnotherTask_Throws()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(RecurrentTextExperimentTests.Rows(40, 1));
        foreach (int bad in new[] { 0, 17 })
        {
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.BinaryClassification.RecurrentTextExperiment(Settings(2, bad)).Execute(data));
            StringAssert.Contains(e.Message, "EnsembleSize must be 1 to 16");
        }
        var tagging = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.Text.RecurrentTaggerExperiment(new RecurrentExperimentSettings { EnsembleSize = 2 })
            .Execute(ml.Data.LoadFromEnumerable(RecurrentSequenceTaggingEstimatorTests.Sentences(20, 1))));
        StringAssert.Contains(tagging.Message, "EnsembleSize must be null or 1 for a Tagging experiment");
    }
}
