using Microsoft.ML.Recurrent.Generation;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;

namespace Microsoft.ML.Recurrent.Tests.Models;

/// <summary>
/// ULMFiT's concat pooling: the head reads [last | max | mean] over the valid steps; its gradient matches finite
/// differences, the pooled values equal the three single poolings, and it saves, loads and streams like the others.
/// </summary>
[TestClass]
public sealed class ConcatPoolingTests
{
    private static SequenceModelOptions Options(SequenceTask task = SequenceTask.Classification, bool bidirectional = false, RecurrentCellKind cell = RecurrentCellKind.Lstm) => new()
    {
        Task = task, VocabularySize = 13, EmbeddingSize = 4, HiddenSize = 5, NumLayers = 2, Cell = cell,
        Bidirectional = bidirectional, Pooling = SequencePooling.Concat, OutputSize = 3,
    };

    [TestMethod]
    [DataRow(SequenceTask.Classification, false, RecurrentCellKind.Lstm)]
    [DataRow(SequenceTask.Classification, true, RecurrentCellKind.Gru)]
    [DataRow(SequenceTask.Regression, true, RecurrentCellKind.Lstm)]
    public void ComputeLoss_ConcatPooling_GradientMatchesFiniteDifferences(SequenceTask task, bool bidirectional, RecurrentCellKind cell)
    {
        var options = Options(task, bidirectional, cell);
        var model = new SequenceModel(options, seed: 3);
        ModelGradientCheck.AssertGradientsMatch(model, ModelGradientCheck.Batch(options, count: 4, maxLength: 6, seed: 5));
    }

    [TestMethod]
    public void Forward_ConcatPooling_EqualsLastMaxAndMeanSideBySide()
    {
        var options = Options(bidirectional: true);
        var concat = new SequenceModel(options, seed: 2);
        Assert.AreEqual(3 * concat.FeatureSize, concat.HeadInputSize);
        CollectionAssert.AreEqual(new[] { 3, 3 * 10 }, concat.Parameters.GetInfo("fc.weight").Shape);
        var batch = ModelGradientCheck.Batch(options, count: 5, maxLength: 7, seed: 1);
        var ws = concat.CreateWorkspace();
        concat.Forward(ws, batch, false, null, default, default);
        float[] pooled = ws.Pooled.AsSpan(0, batch.Length * concat.HeadInputSize).ToArray();
        int width = concat.FeatureSize;
        foreach (var (pooling, third) in new[] { (SequencePooling.Last, 0), (SequencePooling.Max, 1), (SequencePooling.Mean, 2) })
        {
            var single = new SequenceModel(options with { Pooling = pooling }, seed: 2);
            foreach (string name in concat.Parameters.Names.Where(n => !n.StartsWith("fc.", StringComparison.Ordinal)))
            {
                single.Parameters.SetValues(name, concat.Parameters.GetValues(name));
            }
            var sws = single.CreateWorkspace();
            single.Forward(sws, batch, false, null, default, default);
            for (int b = 0; b < batch.Length; b++)
            {
                TestAssert.AssertBitIdentical(sws.Pooled.AsSpan(b * width, width), pooled.AsSpan(b * 3 * width + third * width, width), $"{pooling}, sequence {b}");
            }
        }
    }

    [TestMethod]
    public void SaveLoad_ConcatPooling_RoundTripsAndPredictsIdentically()
    {
        var model = new SequenceModel(Options(), seed: 4);
        Assert.AreEqual(model.Parameters.Count, ModelFileFormat.ParameterCount(model.Options));
        var loaded = RecurrentModelFile.FromBytes(new RecurrentModelFile(model).ToBytes()).Model;
        Assert.AreEqual(SequencePooling.Concat, loaded.Options.Pooling);
        var inputs = Serialization.ModelFileTestData.Inputs(model);
        TestAssert.AssertBitIdentical(Serialization.ModelFileTestData.Predict(model, inputs), Serialization.ModelFileTestData.Predict(loaded, inputs), "logits");
    }

    [TestMethod]
    public void StreamingSession_ConcatPooling_MatchesBatchForward()
    {
        var model = new SequenceModel(Options(), seed: 6);
        var batch = ModelGradientCheck.Batch(model.Options, count: 1, maxLength: 9, seed: 8);
        var ws = model.CreateWorkspace();
        model.Forward(ws, batch, false, null, default, default);
        var session = new StreamingPredictor(model).CreateSession();
        foreach (int token in batch[0].Tokens!)
        {
            session.Step(token);
        }
        TestAssert.AssertClose(ws.Logits.AsSpan(0, 3), session.Logits, 1e-5, 1e-6, "logits after the last step");
    }

    [TestMethod]
    public void ParameterCount_ConcatOnPerStepTask_KeepsTheHeadWidth()
    {
        var tagger = new SequenceModel(Options(SequenceTask.Tagging, bidirectional: true), seed: 1);
        Assert.AreEqual(tagger.FeatureSize, tagger.HeadInputSize);
        Assert.AreEqual(tagger.Parameters.Count, ModelFileFormat.ParameterCount(tagger.Options));
    }
}
