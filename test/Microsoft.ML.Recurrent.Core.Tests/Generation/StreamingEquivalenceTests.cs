using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Generation;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Tests.Generation;

[TestClass]
public sealed class StreamingEquivalenceTests
{
    private const int Steps = 9;

    internal static SequenceModel NewModel(SequenceTask task, RecurrentCellKind cell, int layers, bool tokens,
        SequencePooling pooling = SequencePooling.Last, int seed = 1) =>
        new(new SequenceModelOptions
        {
            Task = task,
            VocabularySize = tokens ? 11 : 0,
            EmbeddingSize = 5,
            InputFeatures = 3,
            Cell = cell,
            HiddenSize = 7,
            NumLayers = layers,
            Bidirectional = false,
            Pooling = pooling,
            OutputSize = task == SequenceTask.Regression ? 2 : 3,
        }, seed);

    internal static SequenceExample RandomExample(SequenceModelOptions o, int length, int seed)
    {
        var rng = new Random(seed);
        return o.UsesTokens
            ? new SequenceExample { Tokens = Enumerable.Range(0, length).Select(_ => rng.Next(o.VocabularySize)).ToArray() }
            : new SequenceExample { Features = Enumerable.Range(0, length * o.InputFeatures).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray() };
    }

    internal static void Feed(StreamingSession session, SequenceExample example, int t, int features)
    {
        if (example.Tokens is { } tokens)
        {
            session.Step(tokens[t]);
        }
        else
        {
            session.Step(example.Features.AsSpan(t * features, features));
        }
    }

    private static SequenceExample Prefix(SequenceExample e, int length, int features) => e.Tokens is { } tokens
        ? new SequenceExample { Tokens = tokens[..length] }
        : new SequenceExample { Features = e.Features![..(length * features)] };

    [TestMethod]
    [DataRow(SequenceTask.LanguageModel, RecurrentCellKind.Lstm, 1, true, SequencePooling.Last)]
    [DataRow(SequenceTask.LanguageModel, RecurrentCellKind.Lstm, 2, true, SequencePooling.Last)]
    [DataRow(SequenceTask.LanguageModel, RecurrentCellKind.Gru, 1, true, SequencePooling.Last)]
    [DataRow(SequenceTask.LanguageModel, RecurrentCellKind.Gru, 2, true, SequencePooling.Last)]
    [DataRow(SequenceTask.LanguageModel, RecurrentCellKind.RnnTanh, 1, true, SequencePooling.Last)]
    [DataRow(SequenceTask.LanguageModel, RecurrentCellKind.RnnTanh, 2, true, SequencePooling.Last)]
    [DataRow(SequenceTask.LanguageModel, RecurrentCellKind.RnnRelu, 1, true, SequencePooling.Last)]
    [DataRow(SequenceTask.LanguageModel, RecurrentCellKind.RnnRelu, 2, true, SequencePooling.Last)]
    [DataRow(SequenceTask.Tagging, RecurrentCellKind.Gru, 2, false, SequencePooling.Last)]
    [DataRow(SequenceTask.Tagging, RecurrentCellKind.Lstm, 1, true, SequencePooling.Last)]
    [DataRow(SequenceTask.Classification, RecurrentCellKind.Lstm, 2, true, SequencePooling.Last)]
    [DataRow(SequenceTask.Classification, RecurrentCellKind.Lstm, 1, false, SequencePooling.Last)]
    [DataRow(SequenceTask.Classification, RecurrentCellKind.Gru, 1, true, SequencePooling.Mean)]
    [DataRow(SequenceTask.Classification, RecurrentCellKind.RnnTanh, 2, true, SequencePooling.Max)]
    [DataRow(SequenceTask.Regression, RecurrentCellKind.Lstm, 1, false, SequencePooling.Last)]
    [DataRow(SequenceTask.Regression, RecurrentCellKind.Gru, 2, false, SequencePooling.Last)]
    [DataRow(SequenceTask.Regression, RecurrentCellKind.RnnTanh, 1, false, SequencePooling.Last)]
    [DataRow(SequenceTask.Regression, RecurrentCellKind.RnnRelu, 2, false, SequencePooling.Mean)]
    [DataRow(SequenceTask.Regression, RecurrentCellKind.Lstm, 2, false, SequencePooling.Max)]
    public void Step_EveryStep_MatchesFullSequenceForward(SequenceTask task, RecurrentCellKind cell, int layers, bool tokens, SequencePooling pooling)
    {
        var model = NewModel(task, cell, layers, tokens, pooling);
        var o = model.Options;
        var example = RandomExample(o, Steps, seed: 7);
        var ws = model.CreateWorkspace();
        var session = new StreamingPredictor(model).CreateSession();
        int classes = o.HeadOutputs;
        if (model.IsPerStep)
        {
            model.Forward(ws, [example], false, null, default, default);
            var all = ws.Logits.AsSpan(0, Steps * classes).ToArray();
            for (int t = 0; t < Steps; t++)
            {
                Feed(session, example, t, o.InputFeatures);
                int row = ws.Recurrent.Layout.RowOf(0, t);
                TestAssert.AssertClose(all.AsSpan(row * classes, classes), session.Logits, 1e-4, 1e-5, $"logits at step {t}");
            }
        }
        else
        {
            for (int t = 0; t < Steps; t++)
            {
                Feed(session, example, t, o.InputFeatures);
                model.Forward(ws, [Prefix(example, t + 1, o.InputFeatures)], false, null, default, default);
                TestAssert.AssertClose(ws.Logits.AsSpan(0, classes), session.Logits, 1e-4, 1e-5, $"prediction for prefix 0..{t}");
            }
        }
        Assert.AreEqual(Steps, session.StepCount);
        if (task == SequenceTask.Regression)
        {
            TestAssert.AssertBitIdentical(session.Logits, session.Prediction, "Prediction is the regression output");
            Assert.ThrowsExactly<InvalidOperationException>(() => session.Probabilities.Length);
        }
        else
        {
            var expected = new float[classes];
            TensorPrimitives.SoftMax(session.Logits, expected);
            TestAssert.AssertClose(expected, session.Probabilities, 1e-6, 1e-7, "probabilities are the softmax");
            Assert.AreEqual(TensorPrimitives.IndexOfMax(session.Logits), session.PredictedClass);
            Assert.ThrowsExactly<InvalidOperationException>(() => session.Prediction.Length);
        }
    }

    [TestMethod]
    public void Step_LongSequence_StaysWithinToleranceOfFullForward()
    {
        var model = NewModel(SequenceTask.LanguageModel, RecurrentCellKind.Lstm, 2, true);
        var example = RandomExample(model.Options, 200, seed: 3);
        var ws = model.CreateWorkspace();
        model.Forward(ws, [example], false, null, default, default);
        var session = new StreamingPredictor(model).CreateSession();
        int classes = model.Options.HeadOutputs;
        for (int t = 0; t < 200; t++)
        {
            session.Step(example.Tokens![t]);
        }
        TestAssert.AssertClose(ws.Logits.AsSpan(ws.Recurrent.Layout.RowOf(0, 199) * classes, classes), session.Logits, 1e-4, 1e-5, "logits at step 199");
    }
}
