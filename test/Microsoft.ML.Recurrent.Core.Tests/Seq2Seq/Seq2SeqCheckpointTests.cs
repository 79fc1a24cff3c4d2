using Microsoft.ML.Recurrent.Seq2Seq;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Seq2Seq;

/// <summary>Seq2SeqTrainer checkpoints: an interrupted run resumed from one ends where an uninterrupted run ends.</summary>
[TestClass]
public sealed class Seq2SeqCheckpointTests
{
    private static TrainerOptions Options() => new()
    {
        Epochs = 3, BatchSize = 4, Seed = 5, LearningRate = 0.01, EarlyStoppingPatience = 5, Optimizer = OptimizerKind.AdamW,
        Schedule = new SlantedTriangularLRSchedule(totalSteps: 15), // per batch: its step count is in the checkpoint too
    };

    private static Seq2SeqModel Model(int seed) => Seq2SeqTestModels.Create("Gru", true, 1, "Lstm", 1, "Additive", true, 0, seed);

    [TestMethod]
    public void LoadCheckpoint_AfterCancellation_EndsExactlyWhereAnUninterruptedRunEnds()
    {
        var train = Seq2SeqTestModels.Batch(Model(1), 18, seed: 8);
        var validation = Seq2SeqTestModels.Batch(Model(1), 6, seed: 9);
        var reference = Model(4);
        var referenceResult = new Seq2SeqTrainer(reference, Options(), labelSmoothing: 0.1f).Fit(train, validation);

        var interrupted = Model(4);
        var first = new Seq2SeqTrainer(interrupted, Options(), labelSmoothing: 0.1f);
        using var cts = new CancellationTokenSource();
        // Cancel in the middle of the second epoch (5 batches per epoch).
        var progress = new Progress(p => { if (p.Step == 7) { cts.Cancel(); } });
        Assert.ThrowsExactly<OperationCanceledException>(() => first.Fit(train, validation, progress, cts.Token));
        Assert.AreEqual(7, first.Steps);
        string path = Path.Combine(Path.GetTempPath(), $"s2s-ckpt-{Guid.NewGuid():N}.bin");
        try
        {
            first.SaveCheckpoint(path);
            var resumedModel = Model(99); // other weights: the checkpoint must restore them
            var resumed = new Seq2SeqTrainer(resumedModel, Options(), labelSmoothing: 0.1f);
            resumed.LoadCheckpoint(path);
            Assert.AreEqual(7, resumed.Steps);
            Assert.AreEqual(1, resumed.CompletedEpochs);
            var resumedResult = resumed.Fit(train, validation);
            TestAssert.AssertBitIdentical(reference.Parameters.Values, resumedModel.Parameters.Values, "weights after resume");
            Assert.AreEqual(referenceResult.Steps, resumedResult.Steps);
            Assert.AreEqual(referenceResult.BestEpoch, resumedResult.BestEpoch);
            CollectionAssert.AreEqual(referenceResult.History.Select(h => h.TrainLoss).ToArray(), resumedResult.History.Select(h => h.TrainLoss).ToArray());
            CollectionAssert.AreEqual(referenceResult.History.Select(h => h.LearningRate).ToArray(), resumedResult.History.Select(h => h.LearningRate).ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void LoadCheckpoint_CorruptTruncatedOrForeign_ThrowsInvalidDataAndChangesNothing()
    {
        var model = Model(1);
        var trainer = new Seq2SeqTrainer(model, Options());
        trainer.Fit(Seq2SeqTestModels.Batch(model, 8), Seq2SeqTestModels.Batch(model, 4, seed: 4));
        using var ms = new MemoryStream();
        trainer.SaveCheckpoint(ms);
        byte[] bytes = ms.ToArray();

        var freshModel = Model(2);
        float[] before = (float[])freshModel.Parameters.Values.Clone();
        var fresh = new Seq2SeqTrainer(freshModel, Options());
        var flipped = (byte[])bytes.Clone();
        flipped[^10] ^= 0x40;
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => fresh.LoadCheckpoint(new MemoryStream(flipped))).Message, "checksum");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => fresh.LoadCheckpoint(new MemoryStream(bytes[..(bytes.Length / 2)]))).Message, "truncated");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => fresh.LoadCheckpoint(new MemoryStream(new byte[60]))).Message, "RS2STRAN");
        var otherShape = new Seq2SeqTrainer(Seq2SeqTestModels.Create("Gru", true, 1, "Lstm", 2, "Additive", true, 0), Options());
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => otherShape.LoadCheckpoint(new MemoryStream(bytes))).Message, "another model");
        var otherSmoothing = new Seq2SeqTrainer(Model(1), Options(), labelSmoothing: 0.2f);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => otherSmoothing.LoadCheckpoint(new MemoryStream(bytes))).Message, "smoothing=0.2");
        TestAssert.AssertBitIdentical(before, freshModel.Parameters.Values, "weights after refused loads");
        Assert.AreEqual(0, fresh.Steps);
    }

    [TestMethod]
    public void Fit_PerBatchSchedule_StepsTheRateEveryBatch()
    {
        var model = Model(1);
        var rates = new List<double>();
        var trainer = new Seq2SeqTrainer(model, new TrainerOptions { Epochs = 1, BatchSize = 2, LearningRate = 0.01, Schedule = new SlantedTriangularLRSchedule(totalSteps: 40) });
        trainer.Fit(Seq2SeqTestModels.Batch(model, 8), progress: new Progress(p => { if (!p.IsEpochEnd) { rates.Add(p.LearningRate); } }));
        Assert.AreEqual(4, rates.Count);
        Assert.IsTrue(rates[0] < rates[1] && rates[1] < rates[2], $"warm-up rises per batch: {string.Join(", ", rates)}");
    }

    private sealed class Progress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }
}
