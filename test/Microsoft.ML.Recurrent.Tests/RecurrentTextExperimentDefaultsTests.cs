using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.AutoML;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.PluginTests;

/// <summary>
/// The text classifiers' experiment starts from exactly the classifier's defaults (n-gram ensemble, weight averaging, the
/// class-by-class hold-out, patience, no refit) and may switch the n-gram ensemble and character-aware words.
/// </summary>
[TestClass]
public sealed class RecurrentTextExperimentDefaultsTests
{
    [TestMethod]
    public void Execute_OneTrial_IsTheDefaultClassifiersFirstMemberWithTheSameSeed()
    {
        var ml = new MLContext(1);
        // 200 rows: the classifier holds out 20 (its minimum); the experiment holds out the same rows (CrossValidationFolds = 1).
        var data = ml.Data.LoadFromEnumerable(RecurrentTextExperimentTests.Rows(200, 5));
        var settings = new RecurrentExperimentSettings { MaxTrials = 1, Seed = 4, CrossValidationFolds = 1, MaxExperimentTime = TimeSpan.FromMinutes(5) };

        var result = ml.BinaryClassification.RecurrentTextExperiment(settings).Execute(data);
        var classifier = ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options { Seed = 4, EnsembleSize = 1 }).Fit(data);

        var first = result.Leaderboard.Single().Settings;
        var d = new RecurrentTextBinaryTrainer.Options();
        Assert.AreEqual((d.Cell, d.HiddenSize, d.NumLayers, d.Bidirectional, d.EmbeddingSize, d.LearningRate, d.BatchSize),
            (first.Cell, first.HiddenSize, first.NumLayers, first.Bidirectional, first.EmbeddingSize, first.LearningRate, first.BatchSize));
        Assert.AreEqual((d.NgramEnsemble, d.CharacterAwareWords, d.AveragingDecay, 1.0), (first.NgramEnsemble, first.CharacterAwareWords, first.AveragingDecay, first.DropoutScale));
        Assert.IsNull(result.Details.Refit, "no refit, as the classifier's RefitOnAllRows");
        var test = ml.Data.LoadFromEnumerable(RecurrentTextExperimentTests.Rows(40, 6));
        CollectionAssert.AreEqual(classifier.Transform(test).GetColumn<float>("Score").ToArray(), result.BestModel.Transform(test).GetColumn<float>("Score").ToArray(),
            "the experiment's first trial is the default classifier's first member (a trial trains one model)");
    }

    [TestMethod]
    public void Prepare_Template_HoldsWhatTheSearchMaySwitchOn_AndEitherModelSavesAndReloads()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(RecurrentTextExperimentTests.Rows(60, 7));
        var settings = new RecurrentExperimentSettings { Seed = 1 };
        var prepared = RecurrentExperimentTasks.Prepare(ml, RecurrentExperimentTask.BinaryClassification, data, null, new RecurrentColumnInformation(), settings);

        Assert.IsTrue(prepared.Template.UsesNgrams && prepared.Template.UsesCharacters, "n-gram buckets and characters are available to the search");
        var start = prepared.FirstTrial!;
        Assert.AreEqual((true, false), (start.NgramEnsemble, start.CharacterAwareWords), "the defaults: the ensemble on, characters off");
        var defaults = start.ToModelOptions(prepared.Template);
        Assert.AreEqual((true, false), (defaults.NgramEnsemble, defaults.UsesCharacters));
        var space = RecurrentSearchSpace.ForTask(SequenceTask.Classification);
        Assert.IsTrue(space.NgramEnsemble.Contains(false) && space.CharacterAwareWords.Contains(true) && space.AveragingDecays.Contains(0), "the new options are searched");

        foreach (var trial in new[] { start, start with { NgramEnsemble = false, CharacterAwareWords = true, AveragingDecay = 0 } })
        {
            var model = new SequenceModel(trial.ToModelOptions(prepared.Template) with { HiddenSize = 4, EmbeddingSize = 4 }, seed: 1);
            new SequenceTrainer(model, trial.ToTrainerOptions(prepared.Trainer, epochs: 1, seed: 1, null, null)).Fit(prepared.Train);
            var transformer = prepared.CreateTransformer(model, null);
            using var stream = new MemoryStream();
            ml.Model.Save(transformer, data.Schema, stream);
            stream.Position = 0;
            var loaded = ml.Model.Load(stream, out _);
            CollectionAssert.AreEqual(transformer.Transform(data).GetColumn<float>("Score").ToArray(), loaded.Transform(data).GetColumn<float>("Score").ToArray(), trial.ToString());
        }
    }
}
