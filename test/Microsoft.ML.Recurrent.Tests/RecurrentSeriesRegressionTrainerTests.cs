using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent.PluginTests;

[TestClass]
public sealed class RecurrentSeriesRegressionTrainerTests
{
    public sealed class Window
    {
        [VectorType]
        public float[] Features { get; set; } = [];

        public float Label { get; set; }
    }

    public sealed class Output
    {
        public float Score { get; set; }
    }

    // Windows of a noisy seasonal series (period 12) in original units; the label is the next value.
    internal static List<Window> Windows(int count, int seed)
    {
        var rng = new Random(seed);
        var series = Enumerable.Range(0, count + 30).Select(i => (float)(100 + 20 * Math.Sin(2 * Math.PI * i / 12) + rng.NextDouble())).ToArray();
        return Enumerable.Range(0, count).Select(i => new Window { Features = series[i..(i + 24)], Label = series[i + 24] }).ToList();
    }

    [TestMethod]
    public void Pipeline_SeriesToRegressorToEvaluator_BeatsPersistence_AndSurvivesSaveLoad()
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromEnumerable(Windows(300, 1));
        var test = ml.Data.LoadFromEnumerable(Windows(100, 2));
        var model = ml.Regression.Trainers.RecurrentSeriesRegressor(new RecurrentSeriesRegressionTrainer.Options { Epochs = 20, Seed = 1 }).Fit(train);
        var metrics = ml.Regression.Evaluate(model.Transform(test));
        double persistence = Math.Sqrt(Windows(100, 2).Average(w => Math.Pow(w.Features[^1] - w.Label, 2)));
        Assert.IsTrue(metrics.RootMeanSquaredError < persistence / 2, $"rmse {metrics.RootMeanSquaredError} vs persistence {persistence}");

        using var stream = new MemoryStream();
        ml.Model.Save(model, train.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out _);
        CollectionAssert.AreEqual(model.Transform(test).GetColumn<float>("Score").ToArray(), loaded.Transform(test).GetColumn<float>("Score").ToArray());
        var engine = ml.Model.CreatePredictionEngine<Window, Output>(loaded);
        Assert.IsTrue(float.IsNaN(engine.Predict(new Window { Features = [1f, float.NaN] }).Score), "a missing value gives NaN, like other ML.NET predictors");
        Assert.IsTrue(float.IsNaN(engine.Predict(new Window { Features = [] }).Score), "an empty series gives NaN");
    }

    [TestMethod]
    public void Fit_RisingSeriesByDefault_PredictsTheChangeAndKeepsTheLevelBeyondTheTrainingRange()
    {
        // A line rising by 1 a step from 0 to about 130; the test window ends at 400, far beyond anything trained on.
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 100).Select(i => new Window { Features = [.. Enumerable.Range(i, 24).Select(v => (float)v)], Label = i + 24 }));
        var far = new Window { Features = [.. Enumerable.Range(376, 24).Select(v => (float)v)] };
        float Predict(bool predictChange)
        {
            var options = new RecurrentSeriesRegressionTrainer.Options { Epochs = 20, Seed = 1 };
            Assert.IsTrue(options.PredictChange, "the default");
            options.PredictChange = predictChange;
            var model = ml.Regression.Trainers.RecurrentSeriesRegressor(options).Fit(train);
            return ml.Model.CreatePredictionEngine<Window, Output>(model).Predict(far).Score;
        }
        float change = Predict(true), level = Predict(false);
        Assert.AreEqual(400f, change, 5f, "the change from the last value, added back");
        Assert.IsTrue(Math.Abs(level - 400f) > 50f, $"without PredictChange the level saturates near the training range: {level}");
    }

    [TestMethod]
    public void ValidationFraction_GivesPerEpochValidation_AndEarlyStoppingKeepsTheBestEpoch()
    {
        var ml = new MLContext(1);
        var model = ml.Regression.Trainers.RecurrentSeriesRegressor(new RecurrentSeriesRegressionTrainer.Options
        {
            Epochs = 6, Seed = 1, ValidationFraction = 0.2, EarlyStoppingPatience = 2,
        }).Fit(ml.Data.LoadFromEnumerable(Windows(100, 3)));
        var history = model.TrainingResult.History;
        Assert.IsTrue(history.All(h => h.Validation is not null), "every epoch has validation figures");
        Assert.AreEqual(history.Min(h => h.Validation!.Loss), history[model.TrainingResult.BestEpoch - 1].Validation!.Loss);
    }

    [TestMethod]
    public void Fit_BadInput_ThrowsNamingWhatIsWrong()
    {
        var ml = new MLContext(1);
        var nan = ml.Data.LoadFromEnumerable(new[] { new Window { Features = [1f, float.NaN], Label = 1 } });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.Regression.Trainers.RecurrentSeriesRegressor().Fit(nan)).Message, "Row 0");
        var text = ml.Data.LoadFromEnumerable(new[] { new { Features = "1 2 3", Label = 1f } });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.RecurrentSeriesRegressor().Fit(text)).Message, "expected a vector of Single");
    }
}
