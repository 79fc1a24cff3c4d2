using Microsoft.ML.Recurrent.Explainability;

namespace Microsoft.ML.Recurrent.PluginTests;

/// <summary>
/// Drift checks through ML.NET: the trainers record the training profile, which survives save and load; golden zips
/// saved before profiles existed load and report "not recorded".
/// </summary>
[TestClass]
public sealed class RecurrentDriftTests
{
    [TestMethod]
    public void CheckDrift_TrainedBinary_SilentOnSameSource_WarnsOnOtherText_AlsoAfterReload()
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromEnumerable(RecurrentTextBinaryTrainerTests.Sentences(200, 1));
        var model = ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options { Epochs = 1, HiddenSize = 4, EmbeddingSize = 4, MaxSequenceLength = 8 }).Fit(train);
        var same = model.CheckDrift(ml.Data.LoadFromEnumerable(RecurrentTextBinaryTrainerTests.Sentences(100, 2)));
        Assert.IsTrue(same.IsRecorded);
        Assert.IsFalse(same.HasWarnings, same.ToString());
        var other = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 80).Select(i => new RecurrentTextBinaryTrainerTests.Row { Text = $"quarterly revenue rose {i} percent while analysts expected a decline in operating margins" }));
        var shifted = model.CheckDrift(other);
        Assert.IsTrue(shifted.HasWarnings, shifted.ToString());
        Assert.AreEqual(3, shifted.Metrics.Count(m => m.Status == DriftStatus.Warning), shifted.ToString());

        string path = Path.Combine(Path.GetTempPath(), $"drift-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, train.Schema, path);
            var loaded = ml.Model.Load(path, out _);
            Assert.AreEqual(shifted.ToString(), RecurrentModels.CheckDrift(loaded, other, "Text").ToString(), "the profile survives save and load");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void CheckDrift_TrainedSeriesRegressor_WarnsOnValuesOutsideTheTrainingRange()
    {
        var ml = new MLContext(1);
        var windows = RecurrentSeriesRegressionTrainerTests.Windows(60, 1);
        var model = ml.Regression.Trainers.RecurrentSeriesRegressor(new RecurrentSeriesRegressionTrainer.Options { Epochs = 1, HiddenSize = 4 }).Fit(ml.Data.LoadFromEnumerable(windows));
        Assert.IsFalse(model.CheckDrift(ml.Data.LoadFromEnumerable(windows)).HasWarnings);
        var scaled = windows.Select(w => new RecurrentSeriesRegressionTrainerTests.Window { Features = w.Features.Select(v => v * 2).ToArray(), Label = w.Label }).ToList();
        var report = model.CheckDrift(ml.Data.LoadFromEnumerable(scaled));
        Assert.AreEqual(DriftStatus.Warning, report.Metrics.Single(m => m.Name == "values outside the training range").Status, report.ToString());
    }

    [TestMethod]
    [DataRow("binary", "Text")]
    [DataRow("multiclass", "Text")]
    [DataRow("series", "Features")]
    public void CheckDrift_GoldenZipWithoutProfile_ReportsNotRecorded(string name, string column)
    {
        var ml = new MLContext(1);
        var loaded = ml.Model.Load(Path.Combine(AppContext.BaseDirectory, "TestData", "golden", name + "-v1.zip"), out _);
        IDataView data = name == "series"
            ? ml.Data.LoadFromEnumerable(RecurrentSeriesRegressionTrainerTests.Windows(4, 9))
            : ml.Data.LoadFromEnumerable(new[] { new RecurrentTextBinaryTrainerTests.Row { Text = "the food was great" }, new RecurrentTextBinaryTrainerTests.Row { Text = "zebra quantum" } });
        var report = RecurrentModels.CheckDrift(loaded, data, column);
        Assert.IsFalse(report.IsRecorded);
        Assert.IsFalse(report.HasWarnings);
        Assert.IsTrue(report.Metrics.All(m => m.Status == DriftStatus.NotRecorded), report.ToString());
    }
}
