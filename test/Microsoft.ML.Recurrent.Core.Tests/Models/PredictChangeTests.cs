using Microsoft.ML.Recurrent.Generation;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Models;

/// <summary>
/// <see cref="SequenceModelOptions.PredictChange"/>: the output is the head's plus the last step's first O features,
/// exact gradients, the same in streaming, and the options it needs.
/// </summary>
[TestClass]
public sealed class PredictChangeTests
{
    private static SequenceModelOptions Options(bool predictChange, SequencePooling pooling = SequencePooling.Last, bool bidirectional = false) => new()
    {
        Task = SequenceTask.Regression, InputFeatures = 3, OutputSize = 2, HiddenSize = 4, Cell = RecurrentCellKind.Gru,
        Pooling = pooling, Bidirectional = bidirectional, PredictChange = predictChange,
    };

    // Ragged numeric sequences (lengths 4, 1, 6) with targets.
    private static SequenceExample[] Batch(int seed)
    {
        var rng = new Random(seed);
        return [.. new[] { 4, 1, 6 }.Select(length => SequenceExample.ForRegression(
            [.. Enumerable.Range(0, length * 3).Select(_ => (float)(rng.NextDouble() * 4 - 2))],
            [(float)rng.NextDouble(), (float)rng.NextDouble()]))];
    }

    private static float[] Outputs(SequenceModel model, SequenceExample[] batch)
    {
        var ws = model.CreateWorkspace();
        model.Forward(ws, batch, false, null, default, default);
        return ws.Logits.AsSpan(0, batch.Length * model.Options.HeadOutputs).ToArray();
    }

    [TestMethod]
    [DataRow(SequencePooling.Last, false)]
    [DataRow(SequencePooling.Mean, true)]
    [DataRow(SequencePooling.Concat, false)]
    public void Forward_PredictChange_AddsTheLastStepsFirstFeaturesToTheHead(SequencePooling pooling, bool bidirectional)
    {
        var plain = new SequenceModel(Options(false, pooling, bidirectional), seed: 3);
        var change = new SequenceModel(Options(true, pooling, bidirectional), seed: 3);
        CollectionAssert.AreEqual(plain.Parameters.Values, change.Parameters.Values, "the skip has no parameters");
        var batch = Batch(5);
        float[] without = Outputs(plain, batch), with = Outputs(change, batch);
        for (int b = 0; b < batch.Length; b++)
        {
            var f = batch[b].Features!;
            for (int j = 0; j < 2; j++)
            {
                Assert.AreEqual(without[b * 2 + j] + f[f.Length - 3 + j], with[b * 2 + j], 1e-6, $"sequence {b}, output {j}");
            }
        }
    }

    [TestMethod]
    [DataRow(RecurrentCellKind.Gru, SequencePooling.Last)]
    [DataRow(RecurrentCellKind.Lstm, SequencePooling.Max)]
    public void ComputeLoss_PredictChange_GradientsMatchFiniteDifferences(RecurrentCellKind cell, SequencePooling pooling)
    {
        var model = new SequenceModel(Options(true, pooling) with { Cell = cell }, seed: 11);
        ModelGradientCheck.AssertGradientsMatch(model, Batch(13));
    }

    [TestMethod]
    public void StreamingSession_PredictChange_GivesTheBatchOutputs()
    {
        var model = new SequenceModel(Options(true), seed: 17);
        var batch = Batch(19);
        float[] expected = Outputs(model, batch);
        var session = new StreamingPredictor(model).CreateSession();
        for (int b = 0; b < batch.Length; b++)
        {
            session.Reset();
            var f = batch[b].Features!;
            for (int t = 0; t < f.Length / 3; t++)
            {
                session.Step(f.AsSpan(t * 3, 3));
            }
            Assert.AreEqual(expected[b * 2], session.Prediction[0], 1e-5);
            Assert.AreEqual(expected[b * 2 + 1], session.Prediction[1], 1e-5);
        }
    }

    [TestMethod]
    public void ModelFile_PredictChange_RoundTripsAndPredictsTheSame()
    {
        var model = new SequenceModel(Options(true), seed: 23);
        var loaded = RecurrentModelFile.FromBytes(new RecurrentModelFile(model).ToBytes()).Model;
        Assert.IsTrue(loaded.Options.PredictChange);
        var batch = Batch(29);
        CollectionAssert.AreEqual(Outputs(model, batch), Outputs(loaded, batch));
    }

    [TestMethod]
    public void Fit_PredictChangeOnARisingLine_ExtrapolatesBeyondTheTrainingRange()
    {
        // Windows of a line rising by 0.1 a step up to 2; the test window ends at 4, far above anything seen.
        var train = Enumerable.Range(0, 40).Select(i => SequenceExample.ForRegression(
            [.. Enumerable.Range(0, 5).Select(t => (i + t) * 0.05f - 1f)], [(i + 5) * 0.05f - 1f])).ToList();
        float[] far = [3.75f, 3.8f, 3.85f, 3.9f, 3.95f];
        double Error(bool predictChange)
        {
            var model = new SequenceModel(new SequenceModelOptions { Task = SequenceTask.Regression, HiddenSize = 4, OutputSize = 1, PredictChange = predictChange }, seed: 1);
            new SequenceTrainer(model, new TrainerOptions { Epochs = 30, BatchSize = 8, LearningRate = 0.01, Seed = 1 }).Fit(train);
            var ws = model.CreateWorkspace();
            model.Forward(ws, [SequenceExample.ForPrediction(far)], false, null, default, default);
            return Math.Abs(ws.Logits[0] - 4f);
        }
        double change = Error(true), level = Error(false);
        Assert.IsTrue(change < 0.1, $"PredictChange error {change}");
        Assert.IsTrue(level > 3 * change, $"without PredictChange {level}, with {change}");
    }

    [TestMethod]
    [DataRow(SequenceTask.Classification, 0, 3, 2)]
    [DataRow(SequenceTask.Regression, 11, 3, 1)]
    [DataRow(SequenceTask.Regression, 0, 1, 2)]
    public void Validate_PredictChangeWhereNoInputMatchesAnOutput_Throws(SequenceTask task, int vocabulary, int features, int outputs)
    {
        var options = new SequenceModelOptions { Task = task, VocabularySize = vocabulary, InputFeatures = features, OutputSize = outputs, PredictChange = true };
        var e = Assert.ThrowsExactly<ArgumentException>(options.Validate);
        Assert.AreEqual(nameof(SequenceModelOptions.PredictChange), e.ParamName);
    }
}
