using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.PluginTests;

/// <summary>
/// Weight tying through ML.NET (<see cref="RecurrentLanguageModelEstimator.Options.TieWeights"/>): checked sizes, a .zip
/// that holds the untied equivalent, and a classifier that reuses the one trained matrix as its embedding.
/// </summary>
[TestClass]
public sealed class TiedLanguageModelTests
{
    private static RecurrentLanguageModelEstimator.Options Tied() => new()
    {
        WordTokens = true, TieWeights = true, EmbeddingSize = 10, HiddenSize = 10, NumLayers = 2, Epochs = 2, Seed = 1, LearningRate = 0.01,
    };

    // Exact equality, element by element.
    private static void AssertEqual(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what) =>
        CollectionAssert.AreEqual(expected.ToArray(), actual.ToArray(), what);

    private static IDataView Texts(MLContext ml) =>
        ml.Data.LoadFromEnumerable(RecurrentTextBinaryTrainerTests.Sentences(120, 7).Select(r => new PretrainedLanguageModelTests.Line { Text = r.Text }));

    [TestMethod]
    public void RecurrentLanguageModel_TieWeightsWithDifferentSizes_ThrowsNamingBoth()
    {
        var ml = new MLContext(1);
        var options = Tied();
        options.HiddenSize = 12;
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.Text.RecurrentLanguageModel(options));
        StringAssert.Contains(e.Message, "EmbeddingSize is 10 and HiddenSize is 12");
        // Changed after the estimator was made: Fit checks again, before reading any data.
        var late = Tied();
        var lateEstimator = ml.Transforms.Text.RecurrentLanguageModel(late);
        late.EmbeddingSize = 8;
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => lateEstimator.Fit(Texts(ml))).Message, "EmbeddingSize is 8 and HiddenSize is 10");
    }

    [TestMethod]
    public void Fit_TieWeights_TrainsOneMatrix_AndSavesAndLoadsPredictingIdentically()
    {
        var ml = new MLContext(1);
        var data = Texts(ml);
        var tied = ml.Transforms.Text.RecurrentLanguageModel(Tied()).Fit(data);
        var untiedOptions = Tied();
        untiedOptions.TieWeights = false;
        var untied = ml.Transforms.Text.RecurrentLanguageModel(untiedOptions).Fit(data);

        var model = tied.Model.Model;
        Assert.IsFalse(model.Options.TieWeights, "held as the untied equivalent");
        var embedding = model.Parameters.GetValues("embedding.weight").ToArray();
        AssertEqual(embedding, model.Parameters.GetValues("fc.weight"), "after training, the output layer is the embedding");
        var untiedModel = untied.Model.Model;
        CollectionAssert.AreNotEqual(untiedModel.Parameters.GetValues("embedding.weight").ToArray(), untiedModel.Parameters.GetValues("fc.weight").ToArray(), "untied, the two differ");
        CollectionAssert.AreNotEqual(untiedModel.Parameters.GetValues("embedding.weight").ToArray(), embedding, "tying changed what the embedding learnt");

        using var stream = new MemoryStream();
        ml.Model.Save(tied, data.Schema, stream);
        stream.Position = 0;
        var loaded = new MLContext(2).Model.Load(stream, out _);
        var reloaded = RecurrentModels.FromTransformer(loaded).Model;
        AssertEqual(embedding, reloaded.Parameters.GetValues("embedding.weight"), "embedding");
        AssertEqual(embedding, reloaded.Parameters.GetValues("fc.weight"), "output layer");
        var probe = ml.Data.LoadFromEnumerable(RecurrentTextBinaryTrainerTests.Sentences(20, 3).Select(r => new PretrainedLanguageModelTests.Line { Text = r.Text }));
        var before = tied.Transform(probe).GetColumn<float[]>("NextTokenProbabilities").ToArray();
        var after = loaded.Transform(probe).GetColumn<float[]>("NextTokenProbabilities").ToArray();
        for (int i = 0; i < before.Length; i++)
        {
            AssertEqual(before[i], after[i], $"row {i}'s next-token probabilities");
        }
    }

    [TestMethod]
    public void Fit_ClassifierFromTiedLanguageModel_CarriesItsEncoderAndItsOneMatrixAsTheEmbedding()
    {
        var ml = new MLContext(1);
        var lm = ml.Transforms.Text.RecurrentLanguageModel(Tied()).Fit(Texts(ml));
        var lmModel = lm.Model.Model;
        var train = ml.Data.LoadFromEnumerable(RecurrentTextBinaryTrainerTests.Sentences(120, 1));
        // The whole encoder frozen (feature extraction): only the head, the n-gram part and the task's new rows train.
        var classifier = ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options
        {
            PretrainedLanguageModel = lm, Epochs = 2, Seed = 1, AveragingDecay = 0,
            FineTuning = new FineTuningOptions { FrozenGroups = 3, GradualUnfreezing = false },
        }).Fit(train);

        var model = classifier.Model.Model;
        Assert.AreEqual(10, model.Options.EmbeddingSize);
        Assert.AreEqual(10, model.Options.HiddenSize);
        int lmRows = lmModel.Options.VocabularySize * 10;
        AssertEqual(lmModel.Parameters.GetValues("fc.weight"), model.Parameters.GetValues("embedding.weight")[..lmRows], "the tied matrix is the embedding");
        foreach (string name in lmModel.Parameters.Names.Where(n => n.StartsWith("lstm.", StringComparison.Ordinal)))
        {
            AssertEqual(lmModel.Parameters.GetValues(name), model.Parameters.GetValues(name), name);
        }
    }
}
