using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Training;

/// <summary>A small trained run and its checkpoint, and helpers to edit a checkpoint's bytes and reseal it.</summary>
internal static class CheckpointTestData
{
    // magic (8) | version (4) | payload length (8) | SHA-256 (32) | payload
    public const int PayloadStart = 52;

    public static SequenceModelOptions ModelOptions { get; } = new()
    {
        Task = SequenceTask.Classification, VocabularySize = 10, EmbeddingSize = 4, HiddenSize = 6, Cell = RecurrentCellKind.Lstm, OutputSize = 2,
    };

    public static TrainerOptions Options { get; } = new()
    {
        Epochs = 3, BatchSize = 8, Seed = 2, EarlyStoppingPatience = 5, Schedule = new StepLRSchedule(1, 0.5), Optimizer = OptimizerKind.Adam,
    };

    public static List<SequenceExample> Data(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var tokens = Enumerable.Range(0, rng.Next(2, 6)).Select(_ => rng.Next(1, 10)).ToArray();
            return SequenceExample.ForClassification(tokens, tokens[0] % 2);
        }).ToList();
    }

    /// <summary>A trainer part-way through its run (two epochs; its options differ from Options only in Epochs, which a checkpoint may change), with history, best weights and optimizer state.</summary>
    public static SequenceTrainer TrainedTrainer(int seed = 1)
    {
        var trainer = new SequenceTrainer(new SequenceModel(ModelOptions, seed), Options with { Epochs = 2 });
        trainer.Fit(Data(24, 1), Data(8, 2));
        return trainer;
    }

    /// <summary>A fresh trainer (other weights, no steps) of the same shape and options, to load checkpoints into.</summary>
    public static SequenceTrainer FreshTrainer() => new(new SequenceModel(ModelOptions, seed: 7), Options);

    public static byte[] Save(SequenceTrainer trainer)
    {
        using var stream = new MemoryStream();
        trainer.SaveCheckpoint(stream);
        return stream.ToArray();
    }

    /// <summary>Sets the payload length and SHA-256 to match the bytes after the header, so that structural checks are reached.</summary>
    public static byte[] Reseal(byte[] checkpoint)
    {
        byte[] file = (byte[])checkpoint.Clone();
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(12), file.Length - PayloadStart);
        SHA256.HashData(file.AsSpan(PayloadStart)).CopyTo(file.AsSpan(20));
        return file;
    }

    /// <summary>Offset of the weights' value count (int32), just after the fingerprint string.</summary>
    public static int WeightCountOffset(byte[] checkpoint)
    {
        int at = PayloadStart, length = 0, shift = 0;
        byte b;
        do
        {
            b = checkpoint[at++];
            length |= (b & 0x7F) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0);
        return at + length;
    }

    /// <summary>Offset of the optimizer state's byte length (int32), just after the weights.</summary>
    public static int OptimizerLengthOffset(byte[] checkpoint)
    {
        int at = WeightCountOffset(checkpoint);
        return at + 4 + 4 * BinaryPrimitives.ReadInt32LittleEndian(checkpoint.AsSpan(at));
    }
}
