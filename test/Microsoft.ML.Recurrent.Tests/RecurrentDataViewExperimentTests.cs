using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.AutoML;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.PluginTests;

[TestClass]
public sealed class RecurrentDataViewExperimentTests
{
    private const int Trials = 2;

    // Tiny budgets: one small cell and size, a learning rate that learns in a few epochs.
    private static RecurrentExperimentSettings Settings(SequenceTask task, int maxEpochs = 4, int batchSize = 16) => new()
    {
        MaxTrials = Trials, Seed = 3, MaxExperimentTime = TimeSpan.FromMinutes(2), MinEpochs = 2, MaxEpochs = maxEpochs,
        SearchSpace = RecurrentSearchSpace.ForTask(task) with
        {
            Cells = [RecurrentCellKind.Gru, RecurrentCellKind.Lstm], HiddenSizes = [16], NumLayers = [1], EmbeddingSizes = [16],
            MinLearningRate = 5e-3, MaxLearningRate = 1e-2, BatchSizes = [batchSize],
        },
    };

    private static void AssertBudget(RecurrentExperimentResult result, RecurrentExperimentTask task)
    {
        Assert.AreEqual(task, result.Task);
        Assert.IsTrue(result.Leaderboard.Count <= Trials, $"{result.Leaderboard.Count} leaderboard rows for {Trials} trials");
        Assert.IsTrue(result.Leaderboard.Count == Trials || result.Details.TimeBudgetExhausted, "every trial ran, or the time budget ended the search");
        Assert.AreSame(result.Leaderboard[0], result.BestRun);
        StringAssert.Contains(result.FormatLeaderboard(), result.BestRun.Settings.ToString());
    }

    // Saves the best model, loads it back and compares a column row by row.
    private static void AssertReloadsIdentically<T>(MLContext ml, ITransformer model, IDataView data, string column)
    {
        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out _);
        string Show(ITransformer m) => string.Join("\n", m.Transform(data).GetColumn<T>(column).Select(v => v is System.Collections.IEnumerable e and not string ? string.Join(" ", e.Cast<object>()) : $"{v}"));
        Assert.AreEqual(Show(model), Show(loaded), $"'{column}' of the reloaded best model");
    }

    [TestMethod]
    public void MulticlassExperiment_KeyLabel_BeatsChance_AndReloadsIdentically()
    {
        var ml = new MLContext(1);
        var toKey = ml.Transforms.Conversion.MapValueToKey("Label", "Topic").Fit(ml.Data.LoadFromEnumerable(RecurrentTextMulticlassTrainerTests.Rows(150, 1)));
        var train = toKey.Transform(ml.Data.LoadFromEnumerable(RecurrentTextMulticlassTrainerTests.Rows(150, 1)));
        var test = toKey.Transform(ml.Data.LoadFromEnumerable(RecurrentTextMulticlassTrainerTests.Rows(60, 2)));
        var result = ml.MulticlassClassification.RecurrentTextExperiment(Settings(SequenceTask.Classification)).Execute(train);
        AssertBudget(result, RecurrentExperimentTask.MulticlassClassification);
        Assert.AreEqual(ExperimentMetric.Accuracy, result.Metric);
        var metrics = ml.MulticlassClassification.Evaluate(result.BestModel.Transform(test));
        Assert.IsTrue(metrics.MicroAccuracy > 0.8, $"micro accuracy {metrics.MicroAccuracy} (chance 1/3)");
        AssertReloadsIdentically<float[]>(ml, result.BestModel, test, "Score");
    }

    [TestMethod]
    public void LanguageModelExperiment_BeatsUniformPerplexity_AndReloadsIdentically()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 60).Select(i => new RecurrentLanguageModelEstimatorTests.Line { Text = i % 2 == 0 ? "hello world" : "hello there" }));
        var result = ml.Transforms.Text.RecurrentLanguageModelExperiment(Settings(SequenceTask.LanguageModel, maxEpochs: 12, batchSize: 8)).Execute(data);
        AssertBudget(result, RecurrentExperimentTask.NextToken);
        Assert.AreEqual(ExperimentMetric.Loss, result.Metric);
        int vocabulary = result.BestModel.Model.Sequencer!.Vocabulary.Count;
        double perplexity = Math.Exp(result.BestRun.ValidationLoss);
        Assert.IsTrue(perplexity < vocabulary / 3.0, $"validation perplexity {perplexity} vs {vocabulary} for a uniform guess");
        Assert.IsFalse(result.BestRun.Settings.Bidirectional, "a language model reads left to right");
        var prompts = ml.Data.LoadFromEnumerable(new[] { "hell", "hello w", "hello th" }.Select(t => new RecurrentLanguageModelEstimatorTests.Line { Text = t }));
        Assert.AreEqual("o", result.BestModel.Transform(prompts).GetColumn<string>("PredictedToken").First());
        AssertReloadsIdentically<string>(ml, result.BestModel, prompts, "PredictedToken");
        AssertReloadsIdentically<float>(ml, result.BestModel, prompts, "Probability");
    }

    [TestMethod]
    public void TaggerExperiment_BeatsTheMostCommonTag_AndReloadsIdentically()
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromEnumerable(RecurrentSequenceTaggingEstimatorTests.Sentences(200, 1));
        var testRows = RecurrentSequenceTaggingEstimatorTests.Sentences(40, 2);
        var test = ml.Data.LoadFromEnumerable(testRows);
        var result = ml.Transforms.Text.RecurrentTaggerExperiment(Settings(SequenceTask.Tagging)).Execute(train);
        AssertBudget(result, RecurrentExperimentTask.Tagging);
        var predicted = result.BestModel.Transform(test).GetColumn<string[]>("PredictedTags").ToList();
        var gold = testRows.Select(s => s.Label).ToList();
        double accuracy = (double)predicted.Zip(gold).Sum(p => p.First.Zip(p.Second).Count(z => z.First == z.Second)) / gold.Sum(g => g.Length);
        double majority = (double)gold.SelectMany(g => g).GroupBy(t => t).Max(g => g.Count()) / gold.Sum(g => g.Length);
        Assert.IsTrue(accuracy > 0.9 && accuracy > majority + 0.3, $"token accuracy {accuracy} vs {majority} for the most common tag");
        AssertReloadsIdentically<string[]>(ml, result.BestModel, test, "PredictedTags");
    }

    [TestMethod]
    public void SeriesExperiment_BeatsPersistence_AndReloadsIdentically()
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromEnumerable(RecurrentSeriesRegressionTrainerTests.Windows(200, 1));
        var testRows = RecurrentSeriesRegressionTrainerTests.Windows(80, 2);
        var test = ml.Data.LoadFromEnumerable(testRows);
        var result = ml.Regression.RecurrentSeriesExperiment(Settings(SequenceTask.Regression, maxEpochs: 8)).Execute(train);
        AssertBudget(result, RecurrentExperimentTask.Forecasting);
        Assert.AreEqual(ExperimentMetric.Rmse, result.Metric);
        var metrics = ml.Regression.Evaluate(result.BestModel.Transform(test));
        double persistence = Math.Sqrt(testRows.Average(w => Math.Pow(w.Features[^1] - w.Label, 2)));
        Assert.IsTrue(metrics.RootMeanSquaredError < persistence / 2, $"rmse {metrics.RootMeanSquaredError} vs persistence {persistence}");
        AssertReloadsIdentically<float>(ml, result.BestModel, test, "Score");
    }

    [TestMethod]
    public void CreateRecurrentExperiment_TaskAsAValue_IsTheCatalogExperiment()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(RecurrentTextExperimentTests.Rows(80, 1));
        var general = ml.CreateRecurrentExperiment(RecurrentExperimentTask.BinaryClassification, Settings(SequenceTask.Classification))
            .Execute(data, new RecurrentColumnInformation { LabelColumnName = "Label", TextColumnName = "Text" });
        var catalog = ml.BinaryClassification.RecurrentTextExperiment(Settings(SequenceTask.Classification)).Execute(data, "Label", "Text");
        AssertBudget(general, RecurrentExperimentTask.BinaryClassification);
        Assert.AreEqual(string.Join("\n", catalog.Leaderboard.Select(t => $"{t.Settings} {t.Metric}")), string.Join("\n", general.Leaderboard.Select(t => $"{t.Settings} {t.Metric}")));
        CollectionAssert.AreEqual(catalog.BestModel.Transform(data).GetColumn<float>("Score").ToArray(), general.BestModel.Transform(data).GetColumn<float>("Score").ToArray());
        Assert.IsTrue(ml.BinaryClassification.Evaluate(general.BestModel.Transform(data)).Accuracy > 0.9);
    }

    [TestMethod]
    public void Execute_CrossValidationFolds_OneModelPerFold_OnlyWhereFoldsApply()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(RecurrentTextExperimentTests.Rows(80, 1));
        var settings = Settings(SequenceTask.Classification);
        settings.CrossValidationFolds = 3;
        var result = ml.CreateRecurrentExperiment(RecurrentExperimentTask.BinaryClassification, settings).Execute(data);
        Assert.AreEqual(3, result.Details.CrossValidationFolds);
        Assert.IsTrue(result.Leaderboard.All(t => t.Folds.Count == 3), string.Join(", ", result.Leaderboard.Select(t => t.Folds.Count)));
        Assert.IsTrue(ml.BinaryClassification.Evaluate(result.BestModel.Transform(data)).Accuracy > 0.9);

        settings.CrossValidationFolds = 1;
        Assert.AreEqual(1, ml.CreateRecurrentExperiment(RecurrentExperimentTask.BinaryClassification, settings).Execute(data).Details.CrossValidationFolds);

        settings.CrossValidationFolds = 2;
        var withValidation = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.CreateRecurrentExperiment(RecurrentExperimentTask.BinaryClassification, settings).Execute(data, data));
        Assert.AreEqual("CrossValidationFolds", withValidation.ParamName);
        var series = ml.Data.LoadFromEnumerable(RecurrentSeriesRegressionTrainerTests.Windows(40, 1));
        var forecasting = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.RecurrentSeriesExperiment(settings).Execute(series));
        StringAssert.Contains(forecasting.Message, "last rows");
    }

    [TestMethod]
    public void Execute_WithValidationData_RanksOnIt()
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromEnumerable(RecurrentTextExperimentTests.Rows(80, 1));
        // Labels flipped: a model that learned the training data is wrong on every validation row.
        var flipped = ml.Data.LoadFromEnumerable(RecurrentTextExperimentTests.Rows(30, 2).Select(r => new RecurrentTextBinaryTrainerTests.Row { Text = r.Text, Label = !r.Label }));
        var settings = Settings(SequenceTask.Classification);
        settings.RefitOnAllData = true;
        var result = ml.CreateRecurrentExperiment(RecurrentExperimentTask.BinaryClassification, settings).Execute(train, flipped);
        Assert.IsTrue(result.Leaderboard.All(t => t.ValidationAccuracy < 0.5), string.Join(", ", result.Leaderboard.Select(t => t.ValidationAccuracy)));
        Assert.IsNotNull(result.Details.Refit, "the best settings are retrained on training and validation data");
    }

    [TestMethod]
    public void Execute_BadColumns_ThrowNamingTheColumnItsTypeAndWhatIsAllowed()
    {
        var ml = new MLContext(1);
        RecurrentDataViewExperiment Experiment(RecurrentExperimentTask task) => ml.CreateRecurrentExperiment(task, Settings(SequenceTask.Classification));
        void Throws(RecurrentExperimentTask task, IDataView data, RecurrentColumnInformation? columns, params string[] parts)
        {
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Experiment(task).Execute(data, columns));
            Assert.AreEqual("trainData", e.ParamName);
            foreach (var part in parts)
            {
                StringAssert.Contains(e.Message, part);
            }
        }
        var text = ml.Data.LoadFromEnumerable(RecurrentTextMulticlassTrainerTests.Rows(20, 1));
        Throws(RecurrentExperimentTask.MulticlassClassification, text, new() { LabelColumnName = "Topic" },
            "Column 'Topic' has type String; expected a key (UInt32) label made with Conversion.MapValueToKey");
        Throws(RecurrentExperimentTask.BinaryClassification, text, new() { TextColumnName = "Body" },
            "Column 'Body' was not found; expected a text (string) column or a key vector (tokens)", "Columns: Text, Topic");
        Throws(RecurrentExperimentTask.BinaryClassification, text, new() { LabelColumnName = "Topic" }, "Column 'Topic' has type String; expected Boolean");
        var numbers = ml.Data.LoadFromEnumerable(new[] { new { Text = 1f, Label = 2f, Tokens = "a b", Features = "1 2" } });
        Throws(RecurrentExperimentTask.NextToken, numbers, null, "Column 'Text' has type Single; expected a text (string) column");
        Throws(RecurrentExperimentTask.Tagging, numbers, null, "Column 'Tokens' has type String; expected a vector of text");
        Throws(RecurrentExperimentTask.Forecasting, numbers, null, "Column 'Features' has type String; expected a vector of Single");
        var series = ml.Data.LoadFromEnumerable(RecurrentSeriesRegressionTrainerTests.Windows(10, 1));
        Throws(RecurrentExperimentTask.Forecasting, series, new() { LabelColumnName = "Features" }, "Column 'Features' has type Vector<Single>; expected Single");
        var missingName = Assert.ThrowsExactly<ArgumentException>(() => Experiment(RecurrentExperimentTask.Tagging).Execute(series, new RecurrentColumnInformation { TokensColumnName = "" }));
        StringAssert.Contains(missingName.Message, "TokensColumnName is empty");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.CreateRecurrentExperiment((RecurrentExperimentTask)42));
    }

    [TestMethod]
    public void Execute_BadData_ThrowsSayingWhy()
    {
        var ml = new MLContext(1);
        string Message(RecurrentExperimentTask task, IDataView data, IDataView? validation = null, RecurrentExperimentSettings? settings = null)
        {
            var experiment = ml.CreateRecurrentExperiment(task, settings ?? Settings(SequenceTask.Classification));
            return Assert.ThrowsExactly<ArgumentException>(() => validation is null ? experiment.Execute(data) : experiment.Execute(data, validation)).Message;
        }
        var sentences = ml.Data.LoadFromEnumerable(RecurrentTextExperimentTests.Rows(20, 1));
        var empty = ml.Data.LoadFromEnumerable(new List<RecurrentTextBinaryTrainerTests.Row>());
        StringAssert.Contains(Message(RecurrentExperimentTask.BinaryClassification, empty), "has 0 rows in 'Text' and 'Label'");
        StringAssert.Contains(Message(RecurrentExperimentTask.BinaryClassification, ml.Data.TakeRows(sentences, 1)), "needs at least 2 (some are held out for validation)");
        StringAssert.Contains(Message(RecurrentExperimentTask.BinaryClassification, sentences, empty), "The validation data has no rows");
        var oneTopic = ml.Data.LoadFromEnumerable(RecurrentTextMulticlassTrainerTests.Rows(20, 1).Where(r => r.Topic == "food"));
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label", "Topic").Fit(ml.Data.LoadFromEnumerable(RecurrentTextMulticlassTrainerTests.Rows(20, 1))).Transform(oneTopic);
        StringAssert.Contains(Message(RecurrentExperimentTask.MulticlassClassification, keyed), "has only one class");
        var oneTag = ml.Data.LoadFromEnumerable(new[] { new RecurrentSequenceTaggingEstimatorTests.Sentence { Tokens = ["a", "b"], Label = ["X", "X"] }, new RecurrentSequenceTaggingEstimatorTests.Sentence { Tokens = ["c"], Label = ["X"] } });
        StringAssert.Contains(Message(RecurrentExperimentTask.Tagging, oneTag), "Column 'Label' has only one tag (X)");
        var mismatch = ml.Data.LoadFromEnumerable(new[] { new RecurrentSequenceTaggingEstimatorTests.Sentence { Tokens = ["a"], Label = ["X"] }, new RecurrentSequenceTaggingEstimatorTests.Sentence { Tokens = ["a", "dog"], Label = ["DET"] } });
        StringAssert.Contains(Message(RecurrentExperimentTask.Tagging, mismatch), "Row 1 has 2 tokens in 'Tokens' but 1 tags in 'Label'");
        var nan = ml.Data.LoadFromEnumerable(new[] { new RecurrentSeriesRegressionTrainerTests.Window { Features = [1f, 2f], Label = 3 }, new RecurrentSeriesRegressionTrainerTests.Window { Features = [1f, float.NaN], Label = 1 } });
        StringAssert.Contains(Message(RecurrentExperimentTask.Forecasting, nan), "Row 1 of the data has a non-finite value");
        var blank = ml.Data.LoadFromEnumerable(new[] { new RecurrentLanguageModelEstimatorTests.Line { Text = "" }, new RecurrentLanguageModelEstimatorTests.Line { Text = "a" } });
        StringAssert.Contains(Message(RecurrentExperimentTask.NextToken, blank), "has 1 non-empty texts in 'Text'");
        var settings = Settings(SequenceTask.LanguageModel);
        settings.MaxSequenceLength = 1;
        Assert.AreEqual("MaxSequenceLength", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.Text.RecurrentLanguageModelExperiment(settings).Execute(blank)).ParamName);
    }
}
