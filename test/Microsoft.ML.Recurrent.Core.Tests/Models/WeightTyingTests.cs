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
    public void ResetParameters_TieWeights_StartsTheSharedMatrixAsAHeadAndTheRestAsUntied()
    {
        var tied = new SequenceModel(Tied with { VocabularySize = 400 }, seed: 7);
        var untied = new SequenceModel(Tied with { VocabularySize = 400, TieWeights = false }, seed: 7);
        float bound = 1f / MathF.Sqrt(5);
        var shared = tied.Parameters.GetValues("embedding.weight");
        Assert.IsTrue(shared.ToArray().All(v => MathF.Abs(v) <= bound), "U(±1/sqrt(H)), not the embedding's N(0, 1)");
        Assert.IsTrue(shared.ToArray().Max() > 0.9f * bound && shared.ToArray().Min() < -0.9f * bound, "spread over the whole range");
        Assert.IsTrue(untied.Parameters.GetValues("embedding.weight").ToArray().Any(v => MathF.Abs(v) > 2), "untied, the embedding keeps N(0, 1)");
        foreach (string name in untied.Parameters.Names.Where(n => n.StartsWith("lstm.", StringComparison.Ordinal)))
        {
            TestAssert.AssertBitIdentical(untied.Parameters.GetValues(name), tied.Parameters.GetValues(name), name);
        }
    }

    [TestMethod]
    [DataRow(RecurrentCellKind.Lstm)]
    [DataRow(RecurrentCellKind.Gru)]
    public void ComputeLoss_TiedWeights_GradientMatchesFiniteDifferences(RecurrentCellKind cell)
    {
        var options = Tied with { Cell = cell };
        var model = new SequenceModel(options, seed: 2);
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
