using System.Buffers.Binary;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Tests.Serialization;
using Microsoft.ML.Recurrent.Training;
using static Microsoft.ML.Recurrent.Tests.Training.CheckpointTestData;

namespace Microsoft.ML.Recurrent.Tests.Training;

[TestClass]
public sealed class CheckpointLoadTests
{
    [TestMethod]
    public void LoadCheckpoint_RejectedAfterTheWeights_LeavesTheTrainerUnchanged()
    {
        byte[] good = Save(TrainedTrainer());
        // Cut the payload just after the weights and the optimizer state, and reseal: the weights decode, the rest is missing.
        int cut = OptimizerLengthOffset(good) + 4 + BinaryPrimitives.ReadInt32LittleEndian(good.AsSpan(OptimizerLengthOffset(good))) + 3;
        byte[] truncated = Reseal(good[..cut]);
        var target = FreshTrainer();
        byte[] before = Save(target);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => target.LoadCheckpoint(new MemoryStream(truncated))).Message, "truncated");
        CollectionAssert.AreEqual(before, Save(target), "a rejected checkpoint changed the trainer");
    }

    [TestMethod]
    public void LoadCheckpoint_FineTuningDiffers_ThrowsInvalidDataNamingBoth()
    {
        byte[] file = Save(TrainedTrainer());
        var tuned = new SequenceTrainer(new SequenceModel(ModelOptions, seed: 7), Options with { FineTuning = new FineTuningOptions() });
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => tuned.LoadCheckpoint(new MemoryStream(file)));
        StringAssert.Contains(ex.Message, "finetune=2.6/True");
    }

    [TestMethod]
    public void LoadCheckpoint_HugeOptimizerStateLength_ThrowsInvalidDataWithoutAllocatingIt()
    {
        byte[] file = Save(TrainedTrainer());
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(OptimizerLengthOffset(file)), 1_000_000_000);
        file = Reseal(file);
        var target = FreshTrainer();
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => target.LoadCheckpoint(new MemoryStream(file)));
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.IsTrue(allocated < 10 * file.Length + (1 << 20), $"{allocated} bytes allocated to reject a {file.Length}-byte checkpoint");
        StringAssert.Contains(ex.Message, "1000000000");
    }

    [TestMethod]
    public void LoadCheckpoint_WrongOptimizerBuffer_ThrowsInvalidData()
    {
        byte[] file = Save(TrainedTrainer());
        // The first buffer name of Adam's state is "exp_avg"; rename it to "exp_avX" (same length) and reseal.
        int at = file.AsSpan().IndexOf("exp_avg"u8);
        file[at + 6] = (byte)'X';
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => FreshTrainer().LoadCheckpoint(new MemoryStream(Reseal(file))));
        StringAssert.Contains(ex.Message, "exp_av");
    }

    [TestMethod]
    public void LoadCheckpoint_NonFiniteWeight_ThrowsInvalidData()
    {
        byte[] file = Save(TrainedTrainer());
        BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(WeightCountOffset(file) + 4 + 4 * 3), float.NaN);
        var target = FreshTrainer();
        byte[] before = Save(target);
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => target.LoadCheckpoint(new MemoryStream(Reseal(file))));
        StringAssert.Contains(ex.Message, "NaN");
        CollectionAssert.AreEqual(before, Save(target));
    }

    [TestMethod]
    public void ReadFrom_NonSeekableStreamClaimingAHugeBuffer_ThrowsInvalidDataWithoutAllocatingIt()
    {
        using var bytes = new MemoryStream();
        using (var w = new BinaryWriter(bytes, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write("RNNOPT"u8);
            w.Write(1);
            w.Write("Adam");
            w.Write(1L);
            w.Write(0.1);
            w.Write(1);
            w.Write("m");
            w.Write(int.MaxValue);
        }
        Assert.AreEqual(41, bytes.Length);
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        Assert.ThrowsExactly<InvalidDataException>(() => OptimizerState.ReadFrom(new ForwardOnlyStream(bytes.ToArray())));
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.IsTrue(allocated < 1 << 20, $"{allocated} bytes allocated to reject a 41-byte state");
    }

    [TestMethod]
    public void ReadFrom_BadStringLength_ThrowsInvalidData()
    {
        byte[] bytes = [.. "RNNOPT"u8, 1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01];
        Assert.ThrowsExactly<InvalidDataException>(() => OptimizerState.ReadFrom(new MemoryStream(bytes)));
    }
}
