using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Training;

[TestClass]
public sealed class SequenceTrainerTests
{
    // A task a recurrent model must remember to solve: the label is the first token's parity, 3 to 12 steps back.
    private static List<SequenceExample> ParityOfFirstToken(int count, int seed)
    {
        var rng = new Random(seed);
        var examples = new List<SequenceExample>();
        for (int i = 0; i < count; i++)
        {
            int length = rng.Next(3, 13);
            var tokens = Enumerable.Range(0, length).Select(_ => rng.Next(2, 10)).ToArray();
            examples.Add(SequenceExample.ForClassification(tokens, tokens[0] % 2));
        }
        return examples;
    }

    private static SequenceModelOptions Classifier(RecurrentCellKind cell = RecurrentCellKind.Gru) => new()
    {
        Task = SequenceTask.Classification, VocabularySize = 10, EmbeddingSize = 8, HiddenSize = 16, Cell = cell, OutputSize = 2,
    };

    [TestMethod]
    public void Fit_MemoryTask_LearnsWellAboveChance()
    {
        var model = new SequenceModel(Classifier(), seed: 1);
        var trainer = new SequenceTrainer(model, new TrainerOptions { Epochs = 25, BatchSize = 16, LearningRate = 0.01, Seed = 3 });
        var result = trainer.Fit(ParityOfFirstToken(400, 1), ParityOfFirstToken(200, 2));
        Assert.AreEqual(25, result.History.Count);
        var last = result.History[^1].Validation!;
        Assert.IsTrue(last.Accuracy > 0.9, $"validation accuracy {last.Accuracy:F3} after 25 epochs");
        Assert.IsTrue(result.History[^1].TrainLoss < result.History[0].TrainLoss / 3, "training loss fell");
    }

    [TestMethod]
    public void Fit_SameSeed_IsBitIdentical_WhateverTheThreadCount()
    {
        float[] Run(int threads)
        {
            int keep = ComputeSettings.MaxThreads;
            ComputeSettings.MaxThreads = threads;
            try
            {
                var model = new SequenceModel(Classifier(RecurrentCellKind.Lstm) with { HiddenSize = 48, NumLayers = 2, Dropout = 0.3f }, seed: 5);
                new SequenceTrainer(model, new TrainerOptions { Epochs = 2, BatchSize = 32, Seed = 9 }).Fit(ParityOfFirstToken(200, 4));
                return (float[])model.Parameters.Values.Clone();
            }
            finally
            {
                ComputeSettings.MaxThreads = keep;
            }
        }
        var one = Run(1);
        TestAssert.AssertBitIdentical(one, Run(2), "weights with 1 vs 2 threads");
        TestAssert.AssertBitIdentical(one, Run(1), "weights of two runs with the same seed");
    }

    [TestMethod]
    public void LoadCheckpoint_AfterCancellation_EndsExactlyWhereAnUninterruptedRunEnds()
    {
        var train = ParityOfFirstToken(150, 6);
        var validation = ParityOfFirstToken(50, 7);
        var options = new TrainerOptions
        {
            Epochs = 4, BatchSize = 16, Seed = 2, EarlyStoppingPatience = 10,
            Schedule = new StepLRSchedule(2, 0.5), Optimizer = OptimizerKind.AdamW,
        };
        var modelOptions = Classifier(RecurrentCellKind.Lstm) with { NumLayers = 2, Dropout = 0.25f };

        var reference = new SequenceModel(modelOptions, seed: 4);
        var referenceResult = new SequenceTrainer(reference, options).Fit(train, validation);

        var interrupted = new SequenceModel(modelOptions, seed: 4);
        var first = new SequenceTrainer(interrupted, options);
        using var cts = new CancellationTokenSource();
        // Cancel in the middle of the second epoch (10 batches per epoch).
        var progress = new SyncProgress(p => { if (p.Step == 13) { cts.Cancel(); } });
        Assert.ThrowsExactly<OperationCanceledException>(() => first.Fit(train, validation, progress, cts.Token));
        Assert.AreEqual(13, first.Steps);
        string path = Path.Combine(Path.GetTempPath(), $"ckpt-{Guid.NewGuid():N}.bin");
        try
        {
            first.SaveCheckpoint(path);
            var resumedModel = new SequenceModel(modelOptions, seed: 99); // other weights: the checkpoint must restore them
            var resumed = new SequenceTrainer(resumedModel, options);
            resumed.LoadCheckpoint(path);
            var resumedResult = resumed.Fit(train, validation);
            TestAssert.AssertBitIdentical(reference.Parameters.Values, resumedModel.Parameters.Values, "weights after resume");
            Assert.AreEqual(referenceResult.Steps, resumedResult.Steps);
            CollectionAssert.AreEqual(referenceResult.History.Select(h => h.TrainLoss).ToArray(), resumedResult.History.Select(h => h.TrainLoss).ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void LoadCheckpoint_CorruptOrForeign_ThrowsInvalidData()
    {
        var model = new SequenceModel(Classifier(), seed: 1);
        var trainer = new SequenceTrainer(model, new TrainerOptions { Epochs = 1, BatchSize = 8 });
        trainer.Fit(ParityOfFirstToken(16, 1));
        using var ms = new MemoryStream();
        trainer.SaveCheckpoint(ms);
        byte[] bytes = ms.ToArray();

        var fresh = new SequenceTrainer(new SequenceModel(Classifier(), seed: 1), new TrainerOptions { Epochs = 1, BatchSize = 8 });
        var flipped = (byte[])bytes.Clone();
        flipped[^10] ^= 0x40;
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => fresh.LoadCheckpoint(new MemoryStream(flipped))).Message, "checksum");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => fresh.LoadCheckpoint(new MemoryStream(bytes[..(bytes.Length / 2)]))).Message, "truncated");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => fresh.LoadCheckpoint(new MemoryStream(new byte[40]))).Message, "RNNTRAIN");
        var other = new SequenceTrainer(new SequenceModel(Classifier() with { HiddenSize = 17 }, seed: 1), new TrainerOptions { Epochs = 1, BatchSize = 8 });
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => other.LoadCheckpoint(new MemoryStream(bytes))).Message, "another model");
    }

    [TestMethod]
    public void Evaluate_WithDropout_IsDeterministic_AndDiffersFromTrainingPasses()
    {
        var model = new SequenceModel(Classifier(RecurrentCellKind.Lstm) with { NumLayers = 3, Dropout = 0.5f }, seed: 2);
        var data = ParityOfFirstToken(64, 3);
        var a = SequenceEvaluator.Evaluate(model, data);
        var b = SequenceEvaluator.Evaluate(model, data);
        Assert.AreEqual(a.Loss, b.Loss, "dropout is off at inference: the same loss twice");

        var ws = model.CreateWorkspace();
        var rng = new Microsoft.ML.Recurrent.Engine.RandomSource(1);
        var m1 = new MetricTotals();
        var m2 = new MetricTotals();
        double eval = model.ComputeLoss(ws, data.ToArray(), false, training: false, null, default, default, default, ref m1);
        double train = model.ComputeLoss(ws, data.ToArray(), false, training: true, rng, default, default, default, ref m2);
        Assert.AreEqual(a.Loss, eval, 1e-6);
        Assert.AreNotEqual(eval, train, "training passes drop units");
    }

    [TestMethod]
    public void Fit_EarlyStopping_RestoresBestWeights()
    {
        // A learning rate far too high makes validation loss worsen after the first epochs.
        var model = new SequenceModel(Classifier(), seed: 1);
        var trainer = new SequenceTrainer(model, new TrainerOptions { Epochs = 30, BatchSize = 8, LearningRate = 0.05, Seed = 1, EarlyStoppingPatience = 2, ClipGradientNorm = null });
        var validation = ParityOfFirstToken(40, 8);
        var result = trainer.Fit(ParityOfFirstToken(40, 7), validation);
        double best = result.History.Min(h => h.Validation!.Loss);
        Assert.AreEqual(best, result.History[result.BestEpoch - 1].Validation!.Loss);
        Assert.AreEqual(best, SequenceEvaluator.Evaluate(model, validation).Loss, 1e-5, "the model holds the best epoch's weights");
        if (result.StoppedEarly)
        {
            Assert.AreEqual(result.BestEpoch + 2, result.History.Count);
        }
    }

    [TestMethod]
    public void FitStream_TruncatedBptt_LearnsAPeriodicStream_AndResumesExactly()
    {
        // "abcabc..." over a 5-symbol vocabulary: a next-token model must reach a near-zero loss.
        int[] stream = Enumerable.Range(0, 3000).Select(i => i % 3 + 1).ToArray();
        var options = new SequenceModelOptions { Task = SequenceTask.LanguageModel, VocabularySize = 5, EmbeddingSize = 8, HiddenSize = 16, Cell = RecurrentCellKind.Lstm };
        var trainerOptions = new TrainerOptions { Epochs = 3, BatchSize = 4, TruncationLength = 25, LearningRate = 0.02, Seed = 1 };
        var model = new SequenceModel(options, seed: 3);
        var result = new SequenceTrainer(model, trainerOptions).FitStream(stream, stream[..400]);
        Assert.IsTrue(result.History[^1].Validation!.Loss < 0.1, $"validation loss {result.History[^1].Validation!.Loss}");

        var resumedModel = new SequenceModel(options, seed: 3);
        var first = new SequenceTrainer(resumedModel, trainerOptions);
        using var cts = new CancellationTokenSource();
        Assert.ThrowsExactly<OperationCanceledException>(() => first.FitStream(stream, stream[..400], new SyncProgress(p => { if (p.Step == 40) { cts.Cancel(); } }), cts.Token));
        using var ms = new MemoryStream();
        first.SaveCheckpoint(ms);
        var second = new SequenceTrainer(resumedModel, trainerOptions);
        second.LoadCheckpoint(new MemoryStream(ms.ToArray()));
        second.FitStream(stream, stream[..400]);
        TestAssert.AssertBitIdentical(model.Parameters.Values, resumedModel.Parameters.Values, "stream weights after resume");
    }

    [TestMethod]
    public void Fit_BadData_ThrowsNamingWhatIsWrong()
    {
        var model = new SequenceModel(Classifier(), seed: 1);
        var trainer = new SequenceTrainer(model);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => trainer.Fit([])).Message, "empty");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => trainer.Fit([SequenceExample.ForClassification([], 0)])).Message, "empty sequence");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => trainer.Fit([SequenceExample.ForClassification([1, 12], 0)])).Message, "token id 12 at step 1");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => trainer.Fit([SequenceExample.ForClassification([1], 2)])).Message, "label 2");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SequenceTrainer(model, new TrainerOptions { LearningRate = double.NaN }));
        Assert.ThrowsExactly<ArgumentException>(() => new SequenceTrainer(model, new TrainerOptions { EarlyStoppingPatience = 2 }).Fit(ParityOfFirstToken(4, 1)));

        var regression = new SequenceModel(new SequenceModelOptions { Task = SequenceTask.Regression, InputFeatures = 2, HiddenSize = 4, OutputSize = 1 });
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new SequenceTrainer(regression).Fit([SequenceExample.ForRegression([1f, float.NaN], [0f])]));
        StringAssert.Contains(ex.Message, "non-finite feature (NaN) at step 0, feature 1");
    }

    [TestMethod]
    public void Fit_Regression_LearnsTheSumOfASeries()
    {
        var rng = new Random(3);
        List<SequenceExample> Make(int n) => Enumerable.Range(0, n).Select(_ =>
        {
            int len = rng.Next(2, 8);
            var f = Enumerable.Range(0, len).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
            return SequenceExample.ForRegression(f, [f.Sum()]);
        }).ToList();
        var model = new SequenceModel(new SequenceModelOptions { Task = SequenceTask.Regression, InputFeatures = 1, HiddenSize = 16, OutputSize = 1, Cell = RecurrentCellKind.Gru }, seed: 1);
        var result = new SequenceTrainer(model, new TrainerOptions { Epochs = 30, BatchSize = 16, LearningRate = 0.01 }).Fit(Make(300), Make(100));
        Assert.IsTrue(result.History[^1].Validation!.Rmse < 0.15, $"rmse {result.History[^1].Validation!.Rmse}");
    }

    [TestMethod]
    [DataRow(SequencePooling.Mean)]
    [DataRow(SequencePooling.Max)]
    public void Fit_PoolingHeads_Learn(SequencePooling pooling)
    {
        // The label is whether token 9 occurs anywhere: easy for mean/max pooling.
        var rng = new Random(4);
        List<SequenceExample> Make(int n) => Enumerable.Range(0, n).Select(_ =>
        {
            var t = Enumerable.Range(0, rng.Next(3, 10)).Select(_ => rng.Next(1, 10)).ToArray();
            return SequenceExample.ForClassification(t, t.Contains(9) ? 1 : 0);
        }).ToList();
        var model = new SequenceModel(Classifier() with { Pooling = pooling, Bidirectional = true }, seed: 2);
        var result = new SequenceTrainer(model, new TrainerOptions { Epochs = 15, BatchSize = 16, LearningRate = 0.01 }).Fit(Make(300), Make(100));
        Assert.IsTrue(result.History[^1].Validation!.Accuracy > 0.9, $"accuracy {result.History[^1].Validation!.Accuracy}");
    }

    private sealed class SyncProgress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }
}
