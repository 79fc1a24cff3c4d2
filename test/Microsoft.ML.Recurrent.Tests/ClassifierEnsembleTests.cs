using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Explainability;
using static Microsoft.ML.Recurrent.PluginTests.RecurrentTextBinaryTrainerTests;

namespace Microsoft.ML.Recurrent.PluginTests;

/// <summary>The text classifiers' seed ensemble (EnsembleSize): its members, its mean, its time, its save and load.</summary>
[TestClass]
public sealed class ClassifierEnsembleTests
{
    private static RecurrentTextBinaryTrainer.Options Small(int members) =>
        new() { Epochs = 4, HiddenSize = 8, EmbeddingSize = 8, Seed = 3, EnsembleSize = members, TimeLimit = null };

    // A two-member multiclass classifier of the topic rows, behind the key mapping of their labels.
    private static EstimatorChain<RecurrentModelTransformer> Topics(MLContext ml, bool attributions) =>
        ml.Transforms.Conversion.MapValueToKey("Label", "Topic").Append(ml.MulticlassClassification.Trainers.RecurrentTextClassifier(
            new RecurrentTextMulticlassTrainer.Options { Epochs = 4, HiddenSize = 8, EmbeddingSize = 8, Seed = 1, EnsembleSize = 2, TimeLimit = null, OutputAttributions = attributions }));

    [TestMethod]
    public void Fit_ThreeMembers_PredictsTheMeanOfTheirProbabilities_AndReloadsExactly()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Sentences(200, 1));
        var test = ml.Data.LoadFromEnumerable(Sentences(60, 2));
        var ensemble = ml.BinaryClassification.Trainers.RecurrentTextClassifier(Small(3)).Fit(data);
        var single = ml.BinaryClassification.Trainers.RecurrentTextClassifier(Small(1)).Fit(data);

        Assert.AreEqual(3, ensemble.Members.Count);
        Assert.AreSame(ensemble.Members[0], ensemble.Model, "Model is the first member");
        CollectionAssert.AreEqual(single.Model.ToBytes(), ensemble.Members[0].ToBytes(), "member 0 is the classifier EnsembleSize = 1 trains");
        CollectionAssert.AreNotEqual(ensemble.Members[0].ToBytes(), ensemble.Members[1].ToBytes(), "member 1 has a seed of its own");
        Assert.AreEqual(3, RecurrentModels.MembersFromTransformer(ensemble).Count);

        // Each member on its own, as a one-model transformer: the ensemble's probability is their mean.
        var memberProbabilities = ensemble.Members.Select(m => RecurrentTextBinaryTrainer.CreateTransformer(ml, "Text", m.Model, m.Sequencer!, 256, null, data)
            .Transform(test).GetColumn<float>("Probability").ToArray()).ToList();
        var scored = ensemble.Transform(test);
        float[] probabilities = scored.GetColumn<float>("Probability").ToArray();
        for (int r = 0; r < probabilities.Length; r++)
        {
            Assert.AreEqual(memberProbabilities.Average(p => p[r]), probabilities[r], 1e-5, $"row {r}");
        }
        Assert.IsTrue(probabilities.Zip(memberProbabilities[0]).Any(p => Math.Abs(p.First - p.Second) > 1e-4), "not just the first member");
        var metrics = ml.BinaryClassification.Evaluate(scored);
        Assert.IsTrue(metrics.Accuracy > 0.9 && double.IsFinite(metrics.LogLoss), $"accuracy {metrics.Accuracy}, log-loss {metrics.LogLoss}");

        using var stream = new MemoryStream();
        ml.Model.Save(ensemble, data.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out _);
        CollectionAssert.AreEqual(scored.GetColumn<float>("Score").ToArray(), loaded.Transform(test).GetColumn<float>("Score").ToArray());
        var reread = RecurrentModels.MembersFromTransformer(loaded);
        Assert.AreEqual(3, reread.Count);
        CollectionAssert.AreEqual(ensemble.Members[2].ToBytes(), reread[2].ToBytes());
    }

    [TestMethod]
    public void Fit_MulticlassEnsemble_SavesAndReloadsExactly_WithTheClassNames()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(RecurrentTextMulticlassTrainerTests.Rows(150, 1));
        var model = Topics(ml, attributions: false).Fit(data);
        Assert.AreEqual(2, RecurrentModels.MembersFromTransformer(model).Count);
        var test = ml.Data.LoadFromEnumerable(RecurrentTextMulticlassTrainerTests.Rows(40, 2));
        var scores = model.Transform(test).GetColumn<float[]>("Score").ToList();
        Assert.IsTrue(scores.All(s => s.Length == 3 && Math.Abs(s.Sum() - 1) < 1e-4 && s.All(p => p > 0 && p < 1)), "each row's scores are probabilities summing to 1");
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Assert.IsTrue(metrics.MacroAccuracy > 0.8, $"macro accuracy {metrics.MacroAccuracy}");

        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out _);
        CollectionAssert.AreEqual(scores.SelectMany(s => s).ToArray(), loaded.Transform(test).GetColumn<float[]>("Score").SelectMany(s => s).ToArray());
    }

    [TestMethod]
    public void Fit_OutputAttributions_AreTheMeanOfTheMembersAttributions()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Sentences(160, 1));
        var options = Small(2);
        options.OutputAttributions = true;
        var model = ml.BinaryClassification.Trainers.RecurrentTextClassifier(options).Fit(data);
        string text = Sentences(10, 4)[0].Text;
        var values = model.Transform(ml.Data.LoadFromEnumerable(new[] { new Row { Text = text } })).GetColumn<float[]>("Attributions").Single();
        var each = model.Members.Select(m => new IntegratedGradients(m.Model).Explain(m.Sequencer!, text, targetClass: 1).Values.ToArray()).ToList();
        Assert.AreEqual(each[0].Length, values.Length);
        for (int t = 0; t < values.Length; t++)
        {
            Assert.AreEqual((each[0][t] + each[1][t]) / 2, values[t], 1e-5, $"token {t}");
        }
    }

    [TestMethod]
    public void Fit_MulticlassOutputAttributions_ExplainTheEnsemblesPredictedClassInEveryMember()
    {
        var ml = new MLContext(1);
        var model = Topics(ml, attributions: true).Fit(ml.Data.LoadFromEnumerable(RecurrentTextMulticlassTrainerTests.Rows(150, 1)));
        var members = RecurrentModels.MembersFromTransformer(model);
        var input = RecurrentTextMulticlassTrainerTests.Rows(5, 3);
        var output = model.Transform(ml.Data.LoadFromEnumerable(input));
        var scores = output.GetColumn<float[]>("Score").ToList();
        var values = output.GetColumn<float[]>("Attributions").ToList();
        for (int r = 0; r < input.Count; r++)
        {
            int predicted = Array.IndexOf(scores[r], scores[r].Max());
            var each = members.Select(m => new IntegratedGradients(m.Model).Explain(m.Sequencer!, input[r].Text, targetClass: predicted).Values.ToArray()).ToList();
            for (int t = 0; t < values[r].Length; t++)
            {
                Assert.AreEqual((each[0][t] + each[1][t]) / 2, values[r][t], 1e-5, $"row {r}, token {t}: towards the ensemble's class {predicted}");
            }
        }
    }

    [TestMethod]
    public void MembersFor_TrainingTokens_KeepsTheEnsembleNearOneClassifierOf100000Tokens()
    {
        Assert.AreEqual(5, TextClassifierTraining.MembersFor(0), "no tokens: the most");
        Assert.AreEqual(5, TextClassifierTraining.MembersFor(11_000), "1,000 short sentences");
        Assert.AreEqual(4, TextClassifierTraining.MembersFor(25_000));
        Assert.AreEqual(2, TextClassifierTraining.MembersFor(40_000));
        Assert.AreEqual(1, TextClassifierTraining.MembersFor(100_000));
        Assert.AreEqual(1, TextClassifierTraining.MembersFor(180_000), "MR's 8,636 sentences");
    }

    [TestMethod]
    public void Fit_EnsembleSizeZero_TrainsFiveMembersOnASmallSet()
    {
        var ml = new MLContext(1);
        var options = Small(0);
        options.Epochs = 1;
        Assert.AreEqual(0, new RecurrentTextBinaryTrainer.Options().EnsembleSize, "the default");
        var model = ml.BinaryClassification.Trainers.RecurrentTextClassifier(options).Fit(ml.Data.LoadFromEnumerable(Sentences(100, 1)));
        Assert.AreEqual(5, model.Members.Count, "about 1,000 tokens: the most members");
    }

    [TestMethod]
    public void Fit_TimeLimitSpentByTheFirstMember_KeepsOnlyIt()
    {
        var ml = new MLContext(1);
        var options = Small(4);
        options.TimeLimit = TimeSpan.FromTicks(1);
        var data = ml.Data.LoadFromEnumerable(Sentences(100, 1));
        var model = ml.BinaryClassification.Trainers.RecurrentTextClassifier(options).Fit(data);
        Assert.AreEqual(1, model.Members.Count, "a member starts only while some of the time limit is left");

        // A limit no member reaches: every member trains, and member 0 is the classifier without a limit.
        var roomy = Small(2);
        roomy.TimeLimit = TimeSpan.FromHours(1);
        var two = ml.BinaryClassification.Trainers.RecurrentTextClassifier(roomy).Fit(data);
        Assert.AreEqual(2, two.Members.Count);
        CollectionAssert.AreEqual(ml.BinaryClassification.Trainers.RecurrentTextClassifier(Small(1)).Fit(data).Model.ToBytes(), two.Members[0].ToBytes());
    }

    [TestMethod]
    [DataRow(-1)]
    [DataRow(17)]
    public void Create_EnsembleSizeOutOfRange_ThrowsNamingTheRange(int size)
    {
        var ml = new MLContext(1);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options { EnsembleSize = size }));
        StringAssert.Contains(e.Message, "EnsembleSize must be 0 (automatic) or 1 to 16");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.MulticlassClassification.Trainers.RecurrentTextClassifier(new RecurrentTextMulticlassTrainer.Options { EnsembleSize = size }));
    }

    [TestMethod]
    public void ExportToOnnx_Ensemble_IsRefusedNamingTheMembers()
    {
        var ml = new MLContext(1);
        var options = Small(2);
        options.Epochs = 1;
        var model = ml.BinaryClassification.Trainers.RecurrentTextClassifier(options).Fit(ml.Data.LoadFromEnumerable(Sentences(100, 1)));
        using var stream = new MemoryStream();
        var e = Assert.ThrowsExactly<NotSupportedException>(() => RecurrentModels.ExportToOnnx(model, stream));
        StringAssert.Contains(e.Message, "ensemble of 2 text classifiers");
        Assert.AreEqual(0, stream.Length, "nothing written");
    }
}
