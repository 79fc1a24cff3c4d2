using System.Globalization;
using System.Text;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Training;

public sealed partial class SequenceTrainer
{
    // A decoded, fully validated checkpoint, applied to the trainer only once all of it has been read.
    private sealed class CheckpointContent
    {
        public required float[] Weights { get; init; }
        public required OptimizerState Optimizer { get; init; }
        public SchedulerState? Schedule { get; init; }
        public SchedulerState? Plateau { get; init; }
        public required ulong[] ShuffleRandom { get; init; }
        public required ulong[] DropoutRandom { get; init; }
        public required ulong[] EpochStartRandom { get; init; }
        public int Epoch { get; init; }
        public int BatchInEpoch { get; init; }
        public long Step { get; init; }
        public double EpochLossSum { get; init; }
        public long EpochLossWeight { get; init; }
        public double BestLoss { get; init; }
        public int BestEpoch { get; init; }
        public int BadEpochs { get; init; }
        public bool Finished { get; init; }
        public float[]? BestWeights { get; init; }
        public required List<EpochSummary> History { get; init; }
        public required float[] StreamHidden { get; init; }
        public required float[] StreamCell { get; init; }
        public float[]? Average { get; init; }
    }

    private CheckpointContent DecodeCheckpoint(Stream stream)
    {
        byte[] payload = CheckpointEnvelope.Read(stream, CheckpointMagic, CheckpointVersion, MaxCheckpointPayload(), "training checkpoint");
        using var r = new BinaryReader(new MemoryStream(payload, writable: false), Encoding.UTF8);
        string fingerprint = r.ReadString();
        if (fingerprint != Fingerprint())
        {
            throw new InvalidDataException($"The checkpoint was written for another model or trainer options ({fingerprint}); this trainer is ({Fingerprint()}).");
        }
        int parameterCount = _model.Parameters.Count;
        var weights = ReadFiniteFloats(r, parameterCount, "the model's weights");
        var optimizer = ReadOptimizer(r, payload.Length);
        var schedule = ReadScheduler(r, _scheduler is not null, "learning-rate schedule", s => _scheduler!.StateProblem(s));
        var plateau = ReadScheduler(r, _plateau is not null, "ReduceOnPlateau", ReduceLROnPlateau.StateProblem);
        ulong[] shuffle = ReadRandomState(r), dropout = ReadRandomState(r), epochStart = ReadRandomState(r);
        int epoch = r.ReadInt32(), batchInEpoch = r.ReadInt32();
        long step = r.ReadInt64();
        double epochLossSum = r.ReadDouble();
        long epochLossWeight = r.ReadInt64();
        double bestLoss = r.ReadDouble();
        int bestEpoch = r.ReadInt32(), badEpochs = r.ReadInt32();
        if (epoch < 0 || batchInEpoch < 0 || step < 0 || epochLossWeight < 0 || !double.IsFinite(epochLossSum)
            || double.IsNaN(bestLoss) || bestEpoch < 0 || bestEpoch > epoch || badEpochs < 0)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"The checkpoint's position is impossible: epoch {epoch}, batch {batchInEpoch}, step {step}, loss sum {epochLossSum} over {epochLossWeight}, best loss {bestLoss} at epoch {bestEpoch}, {badEpochs} bad epochs."));
        }
        bool finished = r.ReadBoolean();
        float[]? bestWeights = r.ReadBoolean() ? ReadFiniteFloats(r, parameterCount, "the best epoch's weights") : null;
        var history = ReadHistory(r, epoch);
        int stateLength = StreamStateLength();
        var hidden = ReadFiniteFloats(r, -1, "the carried stream state", stateLength);
        var cell = ReadFiniteFloats(r, hidden.Length, "the carried stream state", stateLength);
        if (hidden.Length != 0 && hidden.Length != stateLength)
        {
            throw new InvalidDataException($"The checkpoint's carried stream state has {hidden.Length} values; this model and batch size need {stateLength} or none.");
        }
        // Written only by a trainer with weight averaging (the fingerprint says so), after the first step.
        float[]? average = Options.AveragingDecay is not null && r.ReadBoolean() ? ReadFiniteFloats(r, parameterCount, "the averaged weights") : null;
        if (r.BaseStream.Position != payload.Length)
        {
            throw new InvalidDataException($"The checkpoint has {payload.Length - r.BaseStream.Position} unexpected bytes after its content.");
        }
        return new CheckpointContent
        {
            Weights = weights, Optimizer = optimizer, Schedule = schedule, Plateau = plateau,
            ShuffleRandom = shuffle, DropoutRandom = dropout, EpochStartRandom = epochStart,
            Epoch = epoch, BatchInEpoch = batchInEpoch, Step = step, EpochLossSum = epochLossSum, EpochLossWeight = epochLossWeight,
            BestLoss = bestLoss, BestEpoch = bestEpoch, BadEpochs = badEpochs, Finished = finished, BestWeights = bestWeights,
            History = history, StreamHidden = hidden, StreamCell = cell, Average = average,
        };
    }

    // Weights, best weights, averaged weights and up to three optimizer buffers (6 P floats), two stream states, and 8 MiB for the
    // fingerprint, names, schedule values and a history of up to 100,000 epochs (53 bytes each).
    private long MaxCheckpointPayload() => (1L << 23) + 4L * (6L * _model.Parameters.Count + 2L * StreamStateLength());

    // The state FitStream carries between chunks: (layers, batch, hidden) for a language model, nothing otherwise.
    private int StreamStateLength() => _model.Options.Task == SequenceTask.LanguageModel
        ? checked(_model.Options.NumLayers * Options.BatchSize * _model.Options.HiddenSize)
        : 0;

    private OptimizerState ReadOptimizer(BinaryReader r, long payloadLength) => ReadOptimizer(r, payloadLength, _optimizer);

    internal static OptimizerState ReadOptimizer(BinaryReader r, long payloadLength, Optimizer optimizer)
    {
        int length = r.ReadInt32();
        long remaining = payloadLength - r.BaseStream.Position;
        if (length < 0 || length > remaining)
        {
            throw new InvalidDataException($"The checkpoint's optimizer state claims {length} bytes; {remaining} remain in the checkpoint.");
        }
        long start = r.BaseStream.Position;
        var state = OptimizerState.ReadFrom(r.BaseStream, optimizer.StateBufferCount, optimizer.ParameterCount);
        if (r.BaseStream.Position != start + length)
        {
            throw new InvalidDataException($"The checkpoint's optimizer state claims {length} bytes but holds {r.BaseStream.Position - start}.");
        }
        if (optimizer.StateProblem(state) is { } problem)
        {
            throw new InvalidDataException($"The checkpoint's optimizer state does not fit this trainer: {problem}");
        }
        return state;
    }

    internal static float[] ReadFiniteFloats(BinaryReader r, int expected, string what, int max = int.MaxValue)
    {
        int count = r.ReadInt32();
        if ((expected >= 0 && count != expected) || count < 0 || count > max)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"The checkpoint holds {count} values for {what} where {(expected >= 0 ? expected : $"at most {max}")} were expected."));
        }
        var values = BoundedRead.Values<float>(r.BaseStream, count);
        int bad = FiniteCheck.IndexOfNonFinite(values);
        if (bad >= 0)
        {
            throw new InvalidDataException($"The checkpoint holds a non-finite value ({values[bad]}) at element {bad} of {what}; a diverged state cannot be resumed.");
        }
        return values;
    }

    internal static ulong[] ReadRandomState(BinaryReader r)
    {
        ulong[] state = [r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64()];
        if ((state[0] | state[1] | state[2] | state[3]) == 0)
        {
            throw new InvalidDataException("The checkpoint holds a random state of all zeros, which no generator can have.");
        }
        return state;
    }

    internal static List<EpochSummary> ReadHistory(BinaryReader r, int finishedEpochs)
    {
        int count = r.ReadInt32();
        if (count < 0 || count > finishedEpochs)
        {
            throw new InvalidDataException($"The checkpoint's history has {count} epochs but records {finishedEpochs} finished.");
        }
        var history = new List<EpochSummary>(Math.Min(count, 1024));
        for (int i = 0; i < count; i++)
        {
            int epoch = r.ReadInt32();
            double trainLoss = r.ReadDouble(), lr = r.ReadDouble();
            EvaluationResult? validation = r.ReadBoolean() ? new EvaluationResult(r.ReadDouble(), r.ReadInt64(), r.ReadDouble(), r.ReadDouble()) : null;
            history.Add(new EpochSummary(epoch, trainLoss, lr, validation));
        }
        return history;
    }

    internal static SchedulerState? ReadScheduler(BinaryReader r, bool expected, string what, Func<SchedulerState, string?> problemOf)
    {
        bool present = r.ReadBoolean();
        if (present != expected)
        {
            throw new InvalidDataException($"The checkpoint {(present ? "has" : "lacks")} a {what} state; this trainer {(expected ? "has" : "has no")} {what}.");
        }
        if (!present)
        {
            return null;
        }
        string name = r.ReadString();
        long epoch = r.ReadInt64();
        int count = r.ReadInt32();
        if (count < 0 || count > 64 || epoch < 0)
        {
            throw new InvalidDataException($"The checkpoint's {what} state claims {count} values at epoch {epoch}.");
        }
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            values[r.ReadString()] = r.ReadDouble();
        }
        var state = new SchedulerState(name, epoch, values);
        if (problemOf(state) is { } problem)
        {
            throw new InvalidDataException($"The checkpoint's {what} state does not fit this trainer: {problem}");
        }
        return state;
    }
}
