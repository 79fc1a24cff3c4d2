using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Models;

[TestClass]
public sealed class LanguageModelTransferTests
{
    private static SequenceModel LanguageModel(int seed) => new(new SequenceModelOptions
    {
        Task = SequenceTask.LanguageModel, VocabularySize = 17, EmbeddingSize = 6, HiddenSize = 7, NumLayers = 2, Dropout = 0.2f,
    }, seed);

    [TestMethod]
    [DataRow(SequenceTask.Classification)]
    [DataRow(SequenceTask.Tagging)]
    [DataRow(SequenceTask.Regression)]
    public void CreateModel_FromLanguageModel_CopiesEncoderExactlyAndAddsAFreshForwardHead(SequenceTask task)
    {
        var lm = LanguageModel(seed: 1);
        var lmValues = lm.Parameters.Values.ToArray();
        var model = LanguageModelTransfer.CreateModel(lm, task, outputSize: 3, seed: 9);
        Assert.IsFalse(model.Options.IsBidirectional, "a language model has no reverse direction to copy");
        Assert.AreEqual(task, model.Options.Task);
        Assert.AreEqual(0.2f, model.Options.Dropout);
        foreach (string name in lm.Parameters.Names.Where(n => !n.StartsWith("fc.", StringComparison.Ordinal)))
        {
            TestAssert.AssertBitIdentical(lm.Parameters.GetValues(name), model.Parameters.GetValues(name), name);
        }
        int expectedWidth = task == SequenceTask.Tagging ? 7 : 21;
        CollectionAssert.AreEqual(new[] { 3, expectedWidth }, model.Parameters.GetInfo("fc.weight").Shape);
        CollectionAssert.AreEqual(lmValues, lm.Parameters.Values, "the language model is not modified");
    }

    [TestMethod]
    public void CreateModel_NotALanguageModel_ThrowsNamingTheTask()
    {
        var classifier = new SequenceModel(new SequenceModelOptions { VocabularySize = 5, HiddenSize = 3, EmbeddingSize = 2 });
        var e = Assert.ThrowsExactly<ArgumentException>(() => LanguageModelTransfer.CreateModel(classifier, SequenceTask.Classification, 2));
        StringAssert.Contains(e.Message, "Classification");
        Assert.ThrowsExactly<ArgumentException>(() => LanguageModelTransfer.CreateModel(LanguageModel(1), SequenceTask.LanguageModel, 2));
    }

    [TestMethod]
    public void CreateModel_ThenTrain_LearnsTheTaskFromTheSharedEncoder()
    {
        var lm = LanguageModel(seed: 2);
        var model = LanguageModelTransfer.CreateModel(lm, SequenceTask.Classification, outputSize: 2, seed: 3, dropout: 0);
        // Label: whether token 1 occurs.
        var rng = new Random(4);
        var data = Enumerable.Range(0, 64).Select(_ =>
        {
            int[] tokens = [.. Enumerable.Range(0, 5).Select(_ => rng.Next(2, 17))];
            bool positive = rng.Next(2) == 1;
            if (positive)
            {
                tokens[rng.Next(5)] = 1;
            }
            return SequenceExample.ForClassification(tokens, positive ? 1 : 0);
        }).ToArray();
        var result = new SequenceTrainer(model, new TrainerOptions
        {
            Epochs = 20, BatchSize = 8, LearningRate = 0.05, FineTuning = new FineTuningOptions(),
            Schedule = new SlantedTriangularLRSchedule(20 * 8),
        }).Fit(data);
        Assert.IsTrue(result.History[^1].TrainLoss < 0.5 * result.History[0].TrainLoss, $"loss {result.History[0].TrainLoss} -> {result.History[^1].TrainLoss}");
    }

    [TestMethod]
    public void CreateModel_LargerVocabulary_CopiesTheLanguageModelRowsAndStartsNewRowsAtTheirMean()
    {
        var lm = LanguageModel(seed: 5);
        var model = LanguageModelTransfer.CreateModel(lm, SequenceTask.Classification, outputSize: 2, seed: 1, vocabularySize: 20);
        Assert.AreEqual(20, model.Options.VocabularySize);
        var lmRows = lm.Parameters.GetValues("embedding.weight").ToArray();
        var rows = model.Parameters.GetValues("embedding.weight").ToArray();
        Assert.AreEqual(20 * 6, rows.Length);
        CollectionAssert.AreEqual(lmRows, rows[..lmRows.Length], "the language model's 17 rows, unchanged");
        for (int j = 0; j < 6; j++)
        {
            double mean = Enumerable.Range(0, 17).Average(r => (double)lmRows[r * 6 + j]);
            for (int r = 17; r < 20; r++)
            {
                Assert.AreEqual(mean, rows[r * 6 + j], 1e-6, $"row {r}, column {j}");
            }
        }
        TestAssert.AssertBitIdentical(lm.Parameters.GetValues("lstm.weight_hh_l1"), model.Parameters.GetValues("lstm.weight_hh_l1"), "lstm.weight_hh_l1");
    }

    [TestMethod]
    public void CreateModel_SmallerVocabularyThanTheLanguageModel_Throws()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            LanguageModelTransfer.CreateModel(LanguageModel(1), SequenceTask.Classification, 2, vocabularySize: 16));
        Assert.AreEqual("vocabularySize", e.ParamName);
    }

    [TestMethod]
    public void CopyEmbedding_IntoABidirectionalClassifier_CopiesTheRowsAndStartsNewRowsAtTheirMean()
    {
        var lm = LanguageModel(seed: 6);
        var model = new SequenceModel(new SequenceModelOptions
        {
            VocabularySize = 19, EmbeddingSize = 6, HiddenSize = 4, Bidirectional = true, NgramBuckets = 32, NgramEnsemble = true,
        }, seed: 2);
        var lstm = model.Parameters.GetValues("lstm.weight_ih_l0_reverse").ToArray();
        LanguageModelTransfer.CopyEmbedding(lm, model);
        var lmRows = lm.Parameters.GetValues("embedding.weight").ToArray();
        var rows = model.Parameters.GetValues("embedding.weight").ToArray();
        TestAssert.AssertBitIdentical(lmRows, rows.AsSpan(0, lmRows.Length), "the language model's rows");
        for (int j = 0; j < 6; j++)
        {
            double mean = Enumerable.Range(0, 17).Average(r => (double)lmRows[r * 6 + j]);
            Assert.AreEqual(mean, rows[17 * 6 + j], 1e-6, $"row 17, column {j}");
            Assert.AreEqual(mean, rows[18 * 6 + j], 1e-6, $"row 18, column {j}");
        }
        TestAssert.AssertBitIdentical(lstm, model.Parameters.GetValues("lstm.weight_ih_l0_reverse"), "the classifier's own encoder is untouched");
    }

    [TestMethod]
    [DataRow(5, 17)]
    [DataRow(6, 16)]
    public void CopyEmbedding_WidthOrVocabularyDoesNotFit_ThrowsNamingTheSizes(int width, int vocabulary)
    {
        var model = new SequenceModel(new SequenceModelOptions { VocabularySize = vocabulary, EmbeddingSize = width, HiddenSize = 3 }, seed: 1);
        var e = Assert.ThrowsExactly<ArgumentException>(() => LanguageModelTransfer.CopyEmbedding(LanguageModel(1), model));
        StringAssert.Contains(e.Message, "width 6");
        Assert.ThrowsExactly<ArgumentException>(() => LanguageModelTransfer.CopyEmbedding(model, model));
    }

    [TestMethod]
    public void CopyEmbedding_FromOutputLayer_CopiesTheHeadRowsOfWidthHiddenSize()
    {
        var lm = LanguageModel(seed: 7);
        var model = new SequenceModel(new SequenceModelOptions { VocabularySize = 18, EmbeddingSize = 7, HiddenSize = 4 }, seed: 3);
        LanguageModelTransfer.CopyEmbedding(lm, model, fromOutputLayer: true);
        var head = lm.Parameters.GetValues("fc.weight").ToArray();
        var rows = model.Parameters.GetValues("embedding.weight");
        TestAssert.AssertBitIdentical(head, rows[..head.Length], "the output layer's rows");
        Assert.AreEqual(Enumerable.Range(0, 17).Average(r => (double)head[r * 7]), rows[17 * 7], 1e-6, "a new row starts at their mean");
        var tied = new SequenceModel(new SequenceModelOptions { Task = SequenceTask.LanguageModel, VocabularySize = 17, EmbeddingSize = 7, HiddenSize = 7, TieWeights = true }, seed: 4);
        LanguageModelTransfer.CopyEmbedding(tied, model, fromOutputLayer: true);
        TestAssert.AssertBitIdentical(tied.Parameters.GetValues("embedding.weight"), rows[..(17 * 7)], "tied: the one shared matrix");
    }
}
