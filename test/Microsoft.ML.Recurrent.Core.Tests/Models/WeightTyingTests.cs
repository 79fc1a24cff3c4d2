using Microsoft.ML.Recurrent.Generation;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;

namespace Microsoft.ML.Recurrent.Tests.Models;

/// <summary>
/// Weight tying in language models (PyTorch <c>fc.weight = embedding.weight</c>): one tensor, both gradient
/// contributions summed, and a model file that holds the untied equivalent.
/// </summary>
[TestClass]
public sealed class WeightTyingTests
{
    private static SequenceModelOptions Tied => new()
    {
        Task = SequenceTask.LanguageModel, VocabularySize = 11, EmbeddingSize = 5, HiddenSize = 5, NumLayers = 2, TieWeights = true,
    };

    [TestMethod]
    public void Constructor_TieWeights_SharesTheEmbeddingAsTheHead()
    {
        var model = new SequenceModel(Tied, seed: 1);
        CollectionAssert.DoesNotContain(model.Parameters.Names.ToArray(), "fc.weight");
        Assert.AreEqual(new SequenceModel(Tied with { TieWeights = false }).Parameters.Count - 11 * 5, model.Parameters.Count);
        Assert.AreEqual(model.Parameters.Count, ModelFileFormat.ParameterCount(model.Options));
    }

    [TestMethod]
    [DataRow(RecurrentCellKind.Lstm)]
    [DataRow(RecurrentCellKind.Gru)]
    public void ComputeLoss_TiedWeights_GradientMatchesFiniteDifferences(RecurrentCellKind cell)
    {
        var options = Tied with { Cell = cell };
        var model = new SequenceModel(options, seed: 2);
        // Scale the N(0, 1) embedding down so the logits stay in the range where float finite differences are accurate.
        var embedding = model.Parameters.GetValues("embedding.weight");
        for (int i = 0; i < embedding.Length; i++)
        {
            embedding[i] *= 0.3f;
        }
        ModelGradientCheck.AssertGradientsMatch(model, ModelGradientCheck.Batch(options, count: 3, maxLength: 6, seed: 3), probesPerTensor: 12);
    }

    [TestMethod]
    public void ComputeLoss_TiedWeights_EmbeddingGradientIsTheSumOfBothUses()
    {
        // Untied with fc.weight = embedding gives the same loss; the tied gradient is the sum of its two tensors' gradients.
        var tied = new SequenceModel(Tied, seed: 4);
        var untied = tied.Untied();
        var batch = ModelGradientCheck.Batch(Tied, count: 4, maxLength: 5, seed: 5);
        double Loss(SequenceModel m)
        {
            var metrics = new MetricTotals();
            m.Parameters.ZeroGradients();
            return m.ComputeLoss(m.CreateWorkspace(), batch, backward: true, training: false, null, default, default, default, ref metrics);
        }
        Assert.AreEqual(Loss(untied), Loss(tied), 1e-6);
        var sum = untied.Parameters.GetGradients("embedding.weight").ToArray();
        var head = untied.Parameters.GetGradients("fc.weight");
        for (int i = 0; i < sum.Length; i++)
        {
            sum[i] += head[i];
        }
        TestAssert.AssertClose(sum, tied.Parameters.GetGradients("embedding.weight"), 1e-5, 1e-6, "embedding gradient");
    }

    [TestMethod]
    public void ModelFile_TiedModel_HoldsAndReloadsTheUntiedEquivalentPredictingIdentically()
    {
        var tied = new SequenceModel(Tied, seed: 6);
        var file = new RecurrentModelFile(tied);
        Assert.IsFalse(file.Model.Options.TieWeights);
        var loaded = RecurrentModelFile.FromBytes(file.ToBytes()).Model;
        Assert.IsFalse(loaded.Options.TieWeights);
        TestAssert.AssertBitIdentical(tied.Parameters.GetValues("embedding.weight"), loaded.Parameters.GetValues("fc.weight"), "fc.weight is the embedding");
        var inputs = Serialization.ModelFileTestData.Inputs(tied);
        TestAssert.AssertBitIdentical(Serialization.ModelFileTestData.Predict(tied, inputs), Serialization.ModelFileTestData.Predict(loaded, inputs), "logits");
        var session = new StreamingPredictor(tied).CreateSession();
        session.Step(3);
        var reloadedSession = new StreamingPredictor(loaded).CreateSession();
        reloadedSession.Step(3);
        TestAssert.AssertBitIdentical(session.Logits, reloadedSession.Logits, "streaming logits");
    }

    [TestMethod]
    public void Validate_TieWeightsWithoutMatchingSizesOrOnAClassifier_ThrowsNamingThem()
    {
        var sizes = Assert.ThrowsExactly<ArgumentException>(() => new SequenceModel(Tied with { HiddenSize = 6 }));
        StringAssert.Contains(sizes.Message, "EmbeddingSize 5 and HiddenSize 6");
        Assert.ThrowsExactly<ArgumentException>(() => new SequenceModel(Tied with { Task = SequenceTask.Classification }));
    }
}
