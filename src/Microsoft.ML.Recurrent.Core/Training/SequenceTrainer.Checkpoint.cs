using System.Security.Cryptography;
using System.Text;

namespace Microsoft.ML.Recurrent.Training;

public sealed partial class SequenceTrainer
{
    private static ReadOnlySpan<byte> CheckpointMagic => "RNNTRAIN"u8;
    private const int CheckpointVersion = 1;

    /// <summary>
    /// Writes everything needed to resume this run exactly: weights, optimizer and schedule state, random states,
    /// position (epoch, batch, step), early-stopping state, history and a stream's carried state.
    /// Format: magic, version, payload length, SHA-256 of the payload, payload.
    /// </summary>
    public void SaveCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var payload = new MemoryStream();
        using (var w = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Fingerprint());
            WriteFloats(w, _model.Parameters.Values);
            using (var opt = new MemoryStream())
            {
                _optimizer.ExportState().WriteTo(opt);
                w.Write((int)opt.Length);
                w.Write(opt.GetBuffer(), 0, (int)opt.Length);
            }
            WriteScheduler(w, _scheduler?.ExportState());
            WriteScheduler(w, _plateau?.ExportState());
            foreach (var state in new[] { _shuffleRandom.GetState(), _dropoutRandom.GetState(), _epochStartRandom })
            {
                foreach (ulong word in state)
                {
                    w.Write(word);
                }
            }
            w.Write(_epoch);
            w.Write(_batchInEpoch);
            w.Write(_step);
            w.Write(_epochLossSum);
            w.Write(_epochLossWeight);
            w.Write(_bestLoss);
            w.Write(_bestEpoch);
            w.Write(_badEpochs);
            w.Write(_finished);
            w.Write(_bestWeights is not null);
            if (_bestWeights is not null)
            {
                WriteFloats(w, _bestWeights);
            }
            w.Write(_history.Count);
            foreach (var e in _history)
            {
                w.Write(e.Epoch);
                w.Write(e.TrainLoss);
                w.Write(e.LearningRate);
                w.Write(e.Validation is not null);
                if (e.Validation is { } v)
                {
                    w.Write(v.Loss);
                    w.Write(v.Count);
                    w.Write(v.Accuracy);
                    w.Write(v.Rmse);
                }
            }
            WriteFloats(w, _streamHidden);
            WriteFloats(w, _streamCell);
        }
        stream.Write(CheckpointMagic);
        var header = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        header.Write(CheckpointVersion);
        header.Write(payload.Length);
        header.Write(SHA256.HashData(payload.GetBuffer().AsSpan(0, (int)payload.Length)));
        header.Flush();
        stream.Write(payload.GetBuffer(), 0, (int)payload.Length);
    }

    /// <summary>Writes a checkpoint to a file atomically: a crash mid-save never leaves a half-written file in its place.</summary>
    public void SaveCheckpoint(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string temp = full + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                SaveCheckpoint(file);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Restores a checkpoint written by a trainer with the same model shape and options; the next Fit continues from it.</summary>
    /// <exception cref="InvalidDataException">The data is not a checkpoint, is corrupt or truncated, or was written for another model or options.</exception>
    public void LoadCheckpoint(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = File.OpenRead(path);
        LoadCheckpoint(file);
    }

    /// <inheritdoc cref="LoadCheckpoint(string)"/>
    public void LoadCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            LoadCheckpointCore(stream);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The checkpoint is truncated.", e);
        }
    }

    private void LoadCheckpointCore(Stream stream)
    {
        Span<byte> magic = stackalloc byte[8];
        stream.ReadExactly(magic);
        if (!magic.SequenceEqual(CheckpointMagic))
        {
            throw new InvalidDataException("Not a training checkpoint (the file does not start with 'RNNTRAIN').");
        }
        var header = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        int version = header.ReadInt32();
        if (version != CheckpointVersion)
        {
            throw new InvalidDataException($"Checkpoint format version {version} is not supported; this build reads version {CheckpointVersion}.");
        }
        long length = header.ReadInt64();
        long expected = 64L + 16L * _model.Parameters.Count + (1L << 20);
        if (length < 0 || length > 4 * expected + (1L << 24))
        {
            throw new InvalidDataException($"The checkpoint claims a payload of {length} bytes, impossible for a model of {_model.Parameters.Count} parameters.");
        }
        byte[] hash = header.ReadBytes(32);
        var payload = new byte[length];
        stream.ReadExactly(payload);
        if (hash.Length != 32 || !SHA256.HashData(payload).AsSpan().SequenceEqual(hash))
        {
            throw new InvalidDataException("The checkpoint is corrupt: its SHA-256 checksum does not match its content.");
        }
        using var r = new BinaryReader(new MemoryStream(payload), Encoding.UTF8);
        string fingerprint = r.ReadString();
        if (fingerprint != Fingerprint())
        {
            throw new InvalidDataException($"The checkpoint was written for another model or trainer options ({fingerprint}); this trainer is ({Fingerprint()}).");
        }
        ReadFloats(r, _model.Parameters.Values.Length).CopyTo(_model.Parameters.Values, 0);
        int optLength = r.ReadInt32();
        _optimizer.ImportState(OptimizerState.ReadFrom(new MemoryStream(r.ReadBytes(optLength))));
        if (ReadScheduler(r) is { } schedule)
        {
            _scheduler!.ImportState(schedule);
        }
        if (ReadScheduler(r) is { } plateau)
        {
            _plateau!.ImportState(plateau);
        }
        _shuffleRandom.SetState(ReadState(r));
        _dropoutRandom.SetState(ReadState(r));
        _epochStartRandom = ReadState(r);
        _epoch = r.ReadInt32();
        _batchInEpoch = r.ReadInt32();
        _step = r.ReadInt64();
        _epochLossSum = r.ReadDouble();
        _epochLossWeight = r.ReadInt64();
        _bestLoss = r.ReadDouble();
        _bestEpoch = r.ReadInt32();
        _badEpochs = r.ReadInt32();
        _finished = r.ReadBoolean();
        _bestWeights = r.ReadBoolean() ? ReadFloats(r, _model.Parameters.Values.Length) : null;
        int historyCount = r.ReadInt32();
        if (historyCount < 0 || historyCount > _epoch)
        {
            throw new InvalidDataException($"The checkpoint's history has {historyCount} epochs but records {_epoch} finished.");
        }
        _history.Clear();
        for (int i = 0; i < historyCount; i++)
        {
            int epoch = r.ReadInt32();
            double trainLoss = r.ReadDouble(), lr = r.ReadDouble();
            EvaluationResult? validation = r.ReadBoolean() ? new EvaluationResult(r.ReadDouble(), r.ReadInt64(), r.ReadDouble(), r.ReadDouble()) : null;
            _history.Add(new EpochSummary(epoch, trainLoss, lr, validation));
        }
        int maxState = 64 * Options.BatchSize * _model.Options.HiddenSize;
        _streamHidden = ReadFloats(r, -1, maxState);
        _streamCell = ReadFloats(r, -1, maxState);
    }

    // What must agree between the run that saved and the run that resumes.
    private string Fingerprint() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"params={_model.Parameters.Count};names={string.Join(",", _model.Parameters.Names)};opt={Options.Optimizer};batch={Options.BatchSize};seed={Options.Seed};bucket={Options.BucketByLength};bptt={Options.TruncationLength};schedule={Options.Schedule?.GetType().Name};plateau={Options.ReduceOnPlateau is not null};early={Options.EarlyStoppingPatience}");

    private static void WriteFloats(BinaryWriter w, float[] values)
    {
        w.Write(values.Length);
        w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
    }

    private static float[] ReadFloats(BinaryReader r, int expected, int max = int.MaxValue)
    {
        int count = r.ReadInt32();
        if ((expected >= 0 && count != expected) || count < 0 || count > max)
        {
            throw new InvalidDataException($"The checkpoint holds {count} values where {(expected >= 0 ? expected.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"at most {max}")} were expected.");
        }
        var values = new float[count];
        r.BaseStream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    private static ulong[] ReadState(BinaryReader r) => [r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64()];

    private static void WriteScheduler(BinaryWriter w, SchedulerState? state)
    {
        w.Write(state is not null);
        if (state is null)
        {
            return;
        }
        w.Write(state.SchedulerName);
        w.Write(state.Epoch);
        w.Write(state.Values.Count);
        foreach (var (key, value) in state.Values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            w.Write(key);
            w.Write(value);
        }
    }

    private static SchedulerState? ReadScheduler(BinaryReader r)
    {
        if (!r.ReadBoolean())
        {
            return null;
        }
        string name = r.ReadString();
        long epoch = r.ReadInt64();
        int count = r.ReadInt32();
        if (count < 0 || count > 64)
        {
            throw new InvalidDataException($"The checkpoint's schedule state claims {count} values.");
        }
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            values[r.ReadString()] = r.ReadDouble();
        }
        return new SchedulerState(name, epoch, values);
    }
}
