using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Training;

/// <summary>ULMFiT's fine-tuning in the trainer: layer groups, discriminative learning rates, gradual unfreezing.</summary>
[TestClass]
public sealed class FineTuningTests
{
    internal static SequenceModel SmallClassifier(int seed, int layers = 2) => new(new SequenceModelOptions
    {
        Task = SequenceTask.Classification, VocabularySize = 11, EmbeddingSize = 4, HiddenSize = 5, NumLayers = layers,
        Pooling = SequencePooling.Concat, OutputSize = 2,
    }, seed);

    internal static SequenceExample[] Data(SequenceModel model, int count, int seed) =>
        Models.ModelGradientCheck.Batch(model.Options, count, maxLength: 6, seed);

    [TestMethod]
    [DataRow("embedding.weight", 0)]
    [DataRow("lstm.weight_ih_l0", 1)]
    [DataRow("lstm.bias_hh_l0_reverse", 1)]
    [DataRow("lstm.weight_hh_l1", 2)]
    [DataRow("gru.bias_ih_l11_reverse", 12)]
    [DataRow("fc.weight", 3)]
    [DataRow("fc.bias", 3)]
    [DataRow("ngram.weight", 3)]
    [DataRow("ngram.bias", 3)]
    public void GroupOf_ParameterName_IsItsLayerGroup(string name, int group) =>
        Assert.AreEqual(group, FineTuningPlan.GroupOf(name, groupCount: 4));

    [TestMethod]
    public void Fit_GradualUnfreezing_FrozenGroupsDoNotMoveAndOneMoreGroupTrainsPerEpoch()
    {
        var model = SmallClassifier(seed: 3);
        var data = Data(model, count: 16, seed: 4);
        var groups = GroupsOf(model);
        var before = model.Parameters.Values.ToArray();
        var snapshots = new List<float[]> { before };
        var progress = new EpochSnapshots(model, snapshots);
        new SequenceTrainer(model, new TrainerOptions { Epochs = 4, BatchSize = 4, LearningRate = 0.01, FineTuning = new FineTuningOptions() })
            .Fit(data, progress: progress);
        Assert.AreEqual(5, snapshots.Count);
        // Epoch e trains the top e + 1 groups (4 groups: embedding, layer 0, layer 1, head).
        for (int epoch = 0; epoch < 4; epoch++)
        {
            float[] start = snapshots[epoch], end = snapshots[epoch + 1];
            for (int group = 0; group < 4; group++)
            {
                bool trains = group >= 3 - epoch;
                bool moved = groups[group].Any(i => end[i] != start[i]);
                bool identical = groups[group].All(i => BitConverter.SingleToInt32Bits(end[i]) == BitConverter.SingleToInt32Bits(start[i]));
                Assert.IsTrue(trains ? moved : identical, $"epoch {epoch + 1}, group {group}: {(trains ? "should train" : "should stay bit-identical")}");
            }
        }
        Assert.IsTrue(groups[0].Any(i => model.Parameters.Values[i] != before[i]), "the embedding trains in the end");
    }

    [TestMethod]
    public void Fit_DiscriminativeRates_EachLowerGroupMovesByTheRateDividedBy26()
    {
        // Plain SGD, one step: every group's update is its gradient times its learning rate, so the update with
        // fine-tuning over the update without it is 2.6^-(groups above) in every element.
        var plain = SmallClassifier(seed: 5);
        var tuned = SmallClassifier(seed: 5);
        var batch = Data(plain, count: 4, seed: 6);
        var start = plain.Parameters.Values.ToArray();
        var options = new TrainerOptions { Epochs = 1, BatchSize = 4, Optimizer = OptimizerKind.Sgd, LearningRate = 0.5, ClipGradientNorm = null, BucketByLength = false };
        new SequenceTrainer(plain, options).Fit(batch);
        new SequenceTrainer(tuned, options with { FineTuning = new FineTuningOptions { GradualUnfreezing = false } }).Fit(batch);
        var groups = GroupsOf(plain);
        for (int group = 0; group < 4; group++)
        {
            double factor = Math.Pow(2.6, -(3 - group));
            int checkedCount = 0;
            foreach (int i in groups[group])
            {
                double full = plain.Parameters.Values[i] - start[i], scaled = tuned.Parameters.Values[i] - start[i];
                if (Math.Abs(full) < 1e-4)
                {
                    continue;
                }
                Assert.AreEqual(factor, scaled / full, 2e-3 + 1e-6 / Math.Abs(full), $"group {group}, element {i}");
                checkedCount++;
            }
            Assert.IsTrue(checkedCount > 0, $"group {group} had updates to compare");
        }
    }

    [TestMethod]
    public void Fit_PretrainedVocabularySize_NewEmbeddingRowsTrainWithTheHeadAtTheFullRate()
    {
        // Rows 0-7 were pretrained, rows 8-10 are the task's own words. Plain SGD, one step, first epoch: the pretrained
        // rows stay frozen, the new rows move exactly as without fine-tuning (the head's rate).
        var plain = SmallClassifier(seed: 7);
        var tuned = SmallClassifier(seed: 7);
        var batch = Data(plain, count: 8, seed: 8);
        var start = plain.Parameters.Values.ToArray();
        var options = new TrainerOptions { Epochs = 1, BatchSize = 8, Optimizer = OptimizerKind.Sgd, LearningRate = 0.5, ClipGradientNorm = null, BucketByLength = false };
        new SequenceTrainer(plain, options).Fit(batch);
        new SequenceTrainer(tuned, options with { FineTuning = new FineTuningOptions { PretrainedVocabularySize = 8 } }).Fit(batch);
        var embedding = plain.Parameters.GetInfo("embedding.weight");
        int width = plain.Options.EmbeddingSize, newMoved = 0;
        for (int i = embedding.Offset; i < embedding.Offset + embedding.Length; i++)
        {
            if (i - embedding.Offset < 8 * width)
            {
                Assert.AreEqual(BitConverter.SingleToInt32Bits(start[i]), BitConverter.SingleToInt32Bits(tuned.Parameters.Values[i]), $"pretrained element {i} is frozen");
                continue;
            }
            Assert.AreEqual(plain.Parameters.Values[i], tuned.Parameters.Values[i], 1e-6f, $"new element {i} trains at the full rate");
            newMoved += plain.Parameters.Values[i] != start[i] ? 1 : 0;
        }
        Assert.IsTrue(newMoved > 0, "the batch reaches a new row");
    }

    [TestMethod]
    public void Fit_FrozenGroups_LowestGroupsNeverMoveAndTheOthersTrainAsWithout()
    {
        // FrozenGroups 2 (embedding and layer 0), no unfreezing, no divisor, plain SGD, two epochs: the frozen groups stay
        // bit-identical, the rest moves; the task's new embedding rows (from 8 up) train with the head.
        var model = SmallClassifier(seed: 9);
        var data = Data(model, count: 8, seed: 10);
        var start = model.Parameters.Values.ToArray();
        new SequenceTrainer(model, new TrainerOptions
        {
            Epochs = 2, BatchSize = 4, Optimizer = OptimizerKind.Sgd, LearningRate = 0.5,
            FineTuning = new FineTuningOptions { FrozenGroups = 2, GradualUnfreezing = false, LayerLearningRateDivisor = 1, PretrainedVocabularySize = 8 },
        }).Fit(data);
        var groups = GroupsOf(model);
        var values = model.Parameters.Values;
        var embedding = model.Parameters.GetInfo("embedding.weight");
        int pretrainedEnd = embedding.Offset + 8 * model.Options.EmbeddingSize;
        Assert.IsTrue(groups[0].Where(i => i < pretrainedEnd).All(i => BitConverter.SingleToInt32Bits(values[i]) == BitConverter.SingleToInt32Bits(start[i])), "pretrained rows frozen");
        Assert.IsTrue(groups[1].All(i => BitConverter.SingleToInt32Bits(values[i]) == BitConverter.SingleToInt32Bits(start[i])), "layer 0 frozen");
        Assert.IsTrue(groups[0].Where(i => i >= pretrainedEnd).Any(i => values[i] != start[i]), "the new rows train");
        Assert.IsTrue(groups[2].Any(i => values[i] != start[i]), "layer 1 trains");
        Assert.IsTrue(groups[3].Any(i => values[i] != start[i]), "the head trains");
    }

    [TestMethod]
    public void Fit_NgramEnsembleWithFineTuning_NgramPartTrainsFromTheFirstEpoch()
    {
        // Gradual unfreezing: the first epoch trains the head only, and the n-gram classifier belongs to it.
        var model = new SequenceModel(SmallClassifier(seed: 11).Options with { NgramBuckets = 64, NgramEnsemble = true }, seed: 11);
        var data = Data(model, count: 8, seed: 12);
        var start = model.Parameters.Values.ToArray();
        new SequenceTrainer(model, new TrainerOptions { Epochs = 1, BatchSize = 4, LearningRate = 0.01, FineTuning = new FineTuningOptions() }).Fit(data);
        var ngram = model.Parameters.GetInfo("ngram.weight");
        var embedding = model.Parameters.GetInfo("embedding.weight");
        Assert.IsTrue(Enumerable.Range(ngram.Offset, ngram.Length).Any(i => model.Parameters.Values[i] != start[i]), "the n-gram part trains");
        Assert.IsTrue(Enumerable.Range(embedding.Offset, embedding.Length).All(i => model.Parameters.Values[i] == start[i]), "the embedding waits");
    }

    [TestMethod]
    public void Constructor_FrozenGroupsAtGroupCount_ThrowsNamingTheGroups()
    {
        var model = SmallClassifier(seed: 1);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SequenceTrainer(model, new TrainerOptions { FineTuning = new FineTuningOptions { FrozenGroups = 4 } }));
        StringAssert.Contains(e.Message, "at most 3");
    }

    [TestMethod]
    public void Validate_FrozenGroupsNegative_Throws() =>
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new FineTuningOptions { FrozenGroups = -1 }.Validate());

    [TestMethod]
    public void Validate_PretrainedVocabularySizeBelowOne_Throws() =>
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new FineTuningOptions { PretrainedVocabularySize = 0 }.Validate());

    [TestMethod]
    public void Validate_DivisorOutOfRange_Throws() =>
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TrainerOptions { FineTuning = new FineTuningOptions { LayerLearningRateDivisor = 0.5 } }.Validate());

    // Copies the weights at every epoch's end (synchronously, unlike Progress<T>).
    private sealed class EpochSnapshots(SequenceModel model, List<float[]> snapshots) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.IsEpochEnd)
            {
                snapshots.Add(model.Parameters.Values.ToArray());
            }
        }
    }

    // Indices of each group's parameters in the flat buffer.
    private static List<int>[] GroupsOf(SequenceModel model)
    {
        var groups = Enumerable.Range(0, model.Options.NumLayers + 2).Select(_ => new List<int>()).ToArray();
        foreach (string name in model.Parameters.Names)
        {
            var info = model.Parameters.GetInfo(name);
            groups[FineTuningPlan.GroupOf(name, groups.Length)].AddRange(Enumerable.Range(info.Offset, info.Length));
        }
        return groups;
    }
}
