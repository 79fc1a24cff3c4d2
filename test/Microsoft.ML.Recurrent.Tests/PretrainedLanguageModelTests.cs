using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.PluginTests;

/// <summary>
/// ULMFiT through ML.NET: a word language model trained on unlabelled text becomes the encoder of a text classifier
/// (<see cref="RecurrentTextClassificationOptionsBase.PretrainedLanguageModel"/>), which saves into the .zip and loads
/// with plain <c>Model.Load</c>.
/// </summary>
[TestClass]
public sealed class PretrainedLanguageModelTests
{
    public sealed class Line
    {
        public string Text { get; set; } = "";
    }

    public sealed class KeyRow
    {
        public string Text { get; set; } = "";

        public string Category { get; set; } = "";
    }

    private static ITransformer WordLanguageModel(MLContext ml, bool wordTokens = true)
    {
        var texts = RecurrentTextBinaryTrainerTests.Sentences(120, 7).Select(r => new Line { Text = r.Text });
        return ml.Transforms.Text.RecurrentLanguageModel(new RecurrentLanguageModelEstimator.Options
        {
            WordTokens = wordTokens, Epochs = 2, HiddenSize = 12, EmbeddingSize = 8, NumLayers = 2, Seed = 1, LearningRate = 0.01,
        }).Fit(ml.Data.LoadFromEnumerable(texts));
    }

    [TestMethod]
    public void Fit_PretrainedLanguageModel_UsesItsEncoderAndVocabulary_AndSavesIntoTheZip()
    {
        var ml = new MLContext(1);
        var lm = WordLanguageModel(ml);
        var lmBundle = RecurrentModels.FromTransformer(lm);
        var train = ml.Data.LoadFromEnumerable(RecurrentTextBinaryTrainerTests.Sentences(160, 1));
        var test = ml.Data.LoadFromEnumerable(RecurrentTextBinaryTrainerTests.Sentences(80, 2));
        var classifier = ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options
        {
            PretrainedLanguageModel = lm, Pooling = SequencePooling.Concat, Epochs = 10, LearningRate = 0.03, Seed = 1,
        }).Fit(train);

        var model = classifier.Model;
        Assert.AreEqual(SequenceTask.Classification, model.Model.Options.Task);
        Assert.AreEqual(lmBundle.Model.Options.HiddenSize, model.Model.Options.HiddenSize);
        Assert.AreEqual(2, model.Model.Options.NumLayers);
        Assert.IsFalse(model.Model.Options.IsBidirectional);
        CollectionAssert.AreEqual(lmBundle.Sequencer!.Vocabulary.Tokens.ToArray(), model.Sequencer!.Vocabulary.Tokens.ToArray(), "the language model's vocabulary");
        var metrics = ml.BinaryClassification.Evaluate(classifier.Transform(test));
        Assert.IsTrue(metrics.Accuracy > 0.9, $"accuracy {metrics.Accuracy}");

        using var stream = new MemoryStream();
        ml.Model.Save(classifier, train.Schema, stream);
        stream.Position = 0;
        var loaded = new MLContext(2).Model.Load(stream, out _);
        float[] before = classifier.Transform(test).GetColumn<float>("Score").ToArray();
        float[] after = loaded.Transform(test).GetColumn<float>("Score").ToArray();
        CollectionAssert.AreEqual(before, after, "the loaded model scores exactly as the fitted one");
        Assert.AreEqual(SequencePooling.Concat, RecurrentModels.FromTransformer(loaded).Model.Options.Pooling);
    }

    [TestMethod]
    public void Fit_PretrainedLanguageModelLoadedFromZip_FineTunesTheMulticlassClassifier()
    {
        var ml = new MLContext(1);
        var lm = WordLanguageModel(ml);
        using var stream = new MemoryStream();
        ml.Model.Save(lm, ml.Data.LoadFromEnumerable(new[] { new Line() }).Schema, stream);
        stream.Position = 0;
        var loadedLm = ml.Model.Load(stream, out _);
        var rows = RecurrentTextBinaryTrainerTests.Sentences(120, 3).Select(r => new KeyRow { Text = r.Text, Category = r.Label ? "good" : "bad" });
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "Category")
            .Append(ml.MulticlassClassification.Trainers.RecurrentTextClassifier(new RecurrentTextMulticlassTrainer.Options
            {
                PretrainedLanguageModel = loadedLm, Epochs = 10, LearningRate = 0.03, Seed = 2, ValidationFraction = 0,
            }));
        var model = pipeline.Fit(data);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(data));
        Assert.IsTrue(metrics.MacroAccuracy > 0.8, $"macro accuracy {metrics.MacroAccuracy}");
    }

    [TestMethod]
    public void Fit_CharacterLanguageModelWithWordTokens_ThrowsNamingTheMismatch()
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromEnumerable(RecurrentTextBinaryTrainerTests.Sentences(40, 1));
        var trainer = ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options
        {
            PretrainedLanguageModel = WordLanguageModel(ml, wordTokens: false), Epochs = 1,
        });
        var e = Assert.ThrowsExactly<ArgumentException>(() => trainer.Fit(train));
        StringAssert.Contains(e.Message, "PretrainedLanguageModel is a Character language model");
        StringAssert.Contains(e.Message, "WordTokens");
    }

    [TestMethod]
    public void Fit_ClassifierAsPretrainedLanguageModel_ThrowsNamingWhatItHolds()
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromEnumerable(RecurrentTextBinaryTrainerTests.Sentences(40, 1));
        var classifier = ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options { Epochs = 1, HiddenSize = 8, EmbeddingSize = 8 }).Fit(train);
        var trainer = ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options { PretrainedLanguageModel = classifier, Epochs = 1 });
        var e = Assert.ThrowsExactly<ArgumentException>(() => trainer.Fit(train));
        StringAssert.Contains(e.Message, "holds a Classification model");
        var none = ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options { PretrainedLanguageModel = ml.Transforms.CopyColumns("A", "Text").Fit(train), Epochs = 1 });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => none.Fit(train)).Message, "holds no recurrent model");
    }

    [TestMethod]
    public void Fit_TrainingWordsTheLanguageModelLacks_JoinTheVocabularyAndAreLearned()
    {
        var ml = new MLContext(1);
        var lm = WordLanguageModel(ml);
        var lmTokens = RecurrentModels.FromTransformer(lm).Sequencer!.Vocabulary.Tokens.ToArray();
        // The language model never saw "superb" or "vile"; here they alone carry the label.
        static List<RecurrentTextBinaryTrainerTests.Row> Rows(int count, int seed)
        {
            var rng = new Random(seed);
            return Enumerable.Range(0, count).Select(_ => rng.Next(2) == 1
                ? new RecurrentTextBinaryTrainerTests.Row { Text = "the food was superb", Label = true }
                : new RecurrentTextBinaryTrainerTests.Row { Text = "the food was vile", Label = false }).ToList();
        }
        var train = ml.Data.LoadFromEnumerable(Rows(120, 1));
        var classifier = ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options
        {
            PretrainedLanguageModel = lm, Epochs = 10, LearningRate = 0.03, Seed = 1, ValidationFraction = 0,
        }).Fit(train);

        string[] tokens = classifier.Model.Sequencer!.Vocabulary.Tokens.ToArray();
        CollectionAssert.AreEqual(lmTokens, tokens[..lmTokens.Length], "the language model's ids are kept");
        CollectionAssert.AreEquivalent(new[] { "superb", "vile" }, tokens[lmTokens.Length..], "the training words it lacked follow");
        var metrics = ml.BinaryClassification.Evaluate(classifier.Transform(ml.Data.LoadFromEnumerable(Rows(40, 2))));
        Assert.AreEqual(1.0, metrics.Accuracy, "only the added words tell the classes apart");
    }

    [TestMethod]
    public void Fit_PretrainedWordVectors_KeepsTheLanguageModelRowsUnderItsOwnEncoder_AndSavesIntoTheZip()
    {
        var ml = new MLContext(1);
        var lm = WordLanguageModel(ml);
        var lmModel = RecurrentModels.FromTransformer(lm).Model;
        var lmRows = lmModel.Parameters.GetValues("fc.weight").ToArray();
        var train = ml.Data.LoadFromEnumerable(RecurrentTextBinaryTrainerTests.Sentences(160, 1));
        var test = ml.Data.LoadFromEnumerable(RecurrentTextBinaryTrainerTests.Sentences(80, 2));
        var classifier = ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options
        {
            PretrainedLanguageModel = lm, PretrainedWordVectors = true, HiddenSize = 10, Epochs = 10, LearningRate = 0.01, Seed = 1,
        }).Fit(train);

        var options = classifier.Model.Model.Options;
        Assert.IsTrue(options.IsBidirectional && options.HiddenSize == 10 && options.NumLayers == 1, "the classifier's own encoder");
        Assert.AreEqual(lmModel.Options.HiddenSize, options.EmbeddingSize, "the width of the language model's output rows");
        Assert.IsTrue(options.NgramEnsemble, "the default n-gram ensemble");
        var rows = classifier.Model.Model.Parameters.GetValues("embedding.weight");
        // Frozen: no gradient step moves them (weight averaging of a constant may round in the last bit).
        for (int i = 0; i < lmRows.Length; i++)
        {
            Assert.AreEqual(lmRows[i], rows[i], 1e-6f * Math.Max(1, Math.Abs(lmRows[i])), $"the language model's output row element {i}, kept frozen");
        }
        Assert.IsTrue(ml.BinaryClassification.Evaluate(classifier.Transform(test)).Accuracy > 0.9);

        using var stream = new MemoryStream();
        ml.Model.Save(classifier, train.Schema, stream);
        stream.Position = 0;
        var loaded = new MLContext(2).Model.Load(stream, out _);
        CollectionAssert.AreEqual(classifier.Transform(test).GetColumn<float>("Score").ToArray(), loaded.Transform(test).GetColumn<float>("Score").ToArray());
    }
}
