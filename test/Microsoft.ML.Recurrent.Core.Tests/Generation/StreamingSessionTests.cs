using Microsoft.ML.Recurrent.Generation;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Tests.Generation;

[TestClass]
public sealed class StreamingSessionTests
{
    private static float[] Run(StreamingSession session, ReadOnlySpan<int> tokens)
    {
        foreach (int token in tokens)
        {
            session.Step(token);
        }
        return session.Logits.ToArray();
    }

    [TestMethod]
    [DataRow(RecurrentCellKind.Lstm)]
    [DataRow(RecurrentCellKind.Gru)]
    [DataRow(RecurrentCellKind.RnnTanh)]
    public void SnapshotRestore_ContinuesExactlyAsAnUninterruptedSession(RecurrentCellKind cell)
    {
        var predictor = new StreamingPredictor(StreamingEquivalenceTests.NewModel(SequenceTask.LanguageModel, cell, 2, true));
        int[] prefix = [1, 5, 2, 9], suffix = [3, 3, 7, 0, 10];
        var session = predictor.CreateSession();
        Run(session, prefix);
        var atPrefix = session.Logits.ToArray();
        var state = session.Snapshot();
        Assert.AreEqual(4, state.StepCount);
        Assert.AreEqual(2 * 7, state.Hidden.Length);
        Assert.AreEqual(cell == RecurrentCellKind.Lstm ? 14 : 0, state.Cell.Length);
        var uninterrupted = Run(session, suffix);

        session.Restore(state);
        Assert.AreEqual(4, session.StepCount);
        TestAssert.AssertBitIdentical(atPrefix, session.Logits, "outputs right after Restore");
        TestAssert.AssertBitIdentical(uninterrupted, Run(session, suffix), "after Restore, same suffix");

        var other = predictor.CreateSession();
        Run(other, [4, 4, 4]);
        other.Restore(state);
        TestAssert.AssertBitIdentical(uninterrupted, Run(other, suffix), "Restore into another session");
        other.Restore(state);
        TestAssert.AssertBitIdentical(uninterrupted, Run(other, suffix), "a state restores any number of times");
    }

    [TestMethod]
    public void Fork_IsIndependent_AndStartsFromTheSameState()
    {
        var predictor = new StreamingPredictor(StreamingEquivalenceTests.NewModel(SequenceTask.Classification, RecurrentCellKind.Gru, 2, true, SequencePooling.Mean));
        var session = predictor.CreateSession();
        Run(session, [1, 2, 3]);
        var fork = session.Fork();
        Assert.AreEqual(3, fork.StepCount);
        TestAssert.AssertBitIdentical(session.Logits, fork.Logits, "fork outputs");
        var a = Run(session, [4, 5]);
        var b = Run(fork, [4, 5]);
        TestAssert.AssertBitIdentical(a, b, "same continuation on original and fork");
        Run(session, [9, 9, 9]);
        var expected = Run(predictor.CreateSession(), [1, 2, 3, 4, 5, 6]);
        TestAssert.AssertBitIdentical(expected, Run(fork, [6]), "stepping the original does not move the fork");
    }

    [TestMethod]
    public void Reset_ReturnsToTheInitialState()
    {
        var predictor = new StreamingPredictor(StreamingEquivalenceTests.NewModel(SequenceTask.Regression, RecurrentCellKind.Lstm, 1, false, SequencePooling.Max));
        var session = predictor.CreateSession();
        float[] x = [0.5f, -1f, 2f];
        session.Step(x);
        var first = session.Prediction.ToArray();
        session.Step(x);
        session.Reset();
        Assert.AreEqual(0, session.StepCount);
        Assert.ThrowsExactly<InvalidOperationException>(() => session.Logits.Length);
        session.Step(x);
        TestAssert.AssertBitIdentical(first, session.Prediction, "first step after Reset");
    }

    [TestMethod]
    public void Predictor_SnapshotsWeights_TrainingTheModelLaterChangesNothing()
    {
        var model = StreamingEquivalenceTests.NewModel(SequenceTask.LanguageModel, RecurrentCellKind.Lstm, 1, true);
        var predictor = new StreamingPredictor(model);
        var before = Run(predictor.CreateSession(), [1, 2, 3]);
        Array.Fill(model.Parameters.Values, 0.25f);
        TestAssert.AssertBitIdentical(before, Run(predictor.CreateSession(), [1, 2, 3]), "outputs after the model's weights changed");
        var fresh = Run(new StreamingPredictor(model).CreateSession(), [1, 2, 3]);
        Assert.AreNotEqual(before[0], fresh[0], "a new predictor sees the new weights");
    }

    [TestMethod]
    public void Sessions_OnManyThreads_MatchSequentialRuns()
    {
        var predictor = new StreamingPredictor(StreamingEquivalenceTests.NewModel(SequenceTask.LanguageModel, RecurrentCellKind.Lstm, 2, true));
        const int Threads = 6;
        int[][] inputs = Enumerable.Range(0, Threads).Select(i =>
        {
            var rng = new Random(i);
            return Enumerable.Range(0, 300).Select(_ => rng.Next(11)).ToArray();
        }).ToArray();
        float[] RunAll(int[] tokens)
        {
            var session = predictor.CreateSession();
            var trace = new List<float>();
            foreach (int t in tokens)
            {
                session.Step(t);
                trace.AddRange(session.Probabilities.ToArray());
            }
            return [.. trace];
        }
        var sequential = inputs.Select(RunAll).ToArray();
        var parallel = new float[Threads][];
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            parallel[i] = RunAll(inputs[i]);
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }
        foreach (var thread in threads)
        {
            thread.Join();
        }
        for (int i = 0; i < Threads; i++)
        {
            TestAssert.AssertBitIdentical(sequential[i], parallel[i], $"thread {i}");
        }
    }

    [TestMethod]
    [DataRow(RecurrentCellKind.Lstm, SequenceTask.LanguageModel)]
    [DataRow(RecurrentCellKind.Gru, SequenceTask.LanguageModel)]
    [DataRow(RecurrentCellKind.RnnRelu, SequenceTask.LanguageModel)]
    [DataRow(RecurrentCellKind.Gru, SequenceTask.Regression)]
    public void Step_SteadyState_AllocatesNothing(RecurrentCellKind cell, SequenceTask task)
    {
        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = task, VocabularySize = task == SequenceTask.Regression ? 0 : 60, InputFeatures = 4, EmbeddingSize = 16,
            HiddenSize = 48, NumLayers = 2, Cell = cell, OutputSize = 2, Pooling = SequencePooling.Mean,
        }, seed: 2);
        var session = new StreamingPredictor(model).CreateSession();
        var sampler = new TokenSampler(temperature: 0.8f, topK: 20, topP: 0.9f, seed: 1);
        float[] features = [0.1f, 0.2f, -0.3f, 0.4f];
        int token = 1;
        void StepOnce()
        {
            if (task == SequenceTask.Regression)
            {
                session.Step(features);
                _ = session.Prediction[0];
            }
            else
            {
                session.Step(token);
                _ = session.Probabilities[0];
                token = sampler.Sample(session.Logits);
            }
        }
        for (int i = 0; i < 50; i++)
        {
            StepOnce();
        }
        // Steady state: a window of 200 steps allocates nothing. Up to three windows are measured, because one-off
        // runtime work (tiered JIT of a path first taken late) can land in the first one.
        var windows = new List<long>();
        for (int w = 0; w < 3 && (windows.Count == 0 || windows[^1] != 0); w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 200; i++)
            {
                StepOnce();
            }
            windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.AreEqual(0L, windows[^1], $"bytes allocated by 200 steps after warm-up, per window: {string.Join(", ", windows)}");
    }

    [TestMethod]
    public void Misuse_ThrowsClearExceptions()
    {
        var bidirectional = new SequenceModel(new SequenceModelOptions { Task = SequenceTask.Tagging, VocabularySize = 5, EmbeddingSize = 3, HiddenSize = 4 });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new StreamingPredictor(bidirectional)).Message, "bidirectional");
        var characters = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.Classification, VocabularySize = 5, EmbeddingSize = 3, HiddenSize = 4, CharacterVocabularySize = 6,
        });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new StreamingPredictor(characters)).Message, "characters");
        Assert.ThrowsExactly<ArgumentNullException>(() => new StreamingPredictor(null!));

        var tokenSession = new StreamingPredictor(StreamingEquivalenceTests.NewModel(SequenceTask.LanguageModel, RecurrentCellKind.Lstm, 1, true)).CreateSession();
        Assert.ThrowsExactly<InvalidOperationException>(() => tokenSession.Logits.Length);
        Assert.ThrowsExactly<InvalidOperationException>(() => tokenSession.PredictedClass);
        var range = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => tokenSession.Step(11));
        Assert.AreEqual("token", range.ParamName);
        StringAssert.Contains(range.Message, "0..10");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => tokenSession.Step(-1));
        Assert.ThrowsExactly<InvalidOperationException>(() => tokenSession.Step([1f, 2f, 3f]));

        var numericSession = new StreamingPredictor(StreamingEquivalenceTests.NewModel(SequenceTask.Regression, RecurrentCellKind.Gru, 1, false)).CreateSession();
        Assert.ThrowsExactly<InvalidOperationException>(() => numericSession.Step(1));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => numericSession.Step([1f, 2f])).Message, "InputFeatures = 3");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => numericSession.Step([1f, float.NaN, 2f])).Message, "features[1]");
        Assert.AreEqual(0, numericSession.StepCount, "rejected steps change nothing");

        numericSession.Step([1f, 2f, 3f]);
        Assert.ThrowsExactly<ArgumentException>(() => tokenSession.Restore(numericSession.Snapshot()));
        Assert.ThrowsExactly<ArgumentNullException>(() => tokenSession.Restore(null!));
    }
}
