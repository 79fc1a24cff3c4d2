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
    /// <param name="stream">A writable stream; left open.</param>
    /// <exception cref="InvalidOperationException">Training diverged, or a weight is NaN or infinite: such a state is never written.</exception>
    public void SaveCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        RequireCheckpointable();
        CheckpointEnvelope.Save(stream, SerializeCheckpoint);
    }

    /// <summary>
    /// Writes a checkpoint to a file atomically: a crash mid-save never leaves a half-written file in its place. The
    /// temporary file beside it has a short fixed-length name, <c>.&lt;16 hex digits&gt;.rnnsave.tmp</c>, derived from the
    /// file name; one left behind by a killed process is replaced and moved away by the next save of the same file.
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <exception cref="InvalidOperationException">As for <see cref="SaveCheckpoint(Stream)"/>; no file is touched.</exception>
    /// <exception cref="IOException">The file cannot be written; the message names <paramref name="path"/>.</exception>
    public void SaveCheckpoint(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        RequireCheckpointable();
        CheckpointEnvelope.Save(path, SerializeCheckpoint);
    }

    /// <summary>
    /// Restores a checkpoint written by a trainer with the same model shape and options; the next Fit continues from it.
    /// The whole checkpoint is decoded and checked before anything is applied: when it is refused, the trainer and its
    /// model are left exactly as they were.
    /// </summary>
    /// <param name="path">The checkpoint file.</param>
    /// <exception cref="InvalidDataException">The data is not a checkpoint, is corrupt or truncated, holds a non-finite weight, or was written for another model or options.</exception>
    public void LoadCheckpoint(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = File.OpenRead(path);
        LoadCheckpoint(file);
    }

    /// <inheritdoc cref="LoadCheckpoint(string)"/>
    /// <param name="stream">A readable stream positioned at the checkpoint; left open just after it.</param>
    public void LoadCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        RequireCheckpointable();
        ApplyCheckpoint(CheckpointEnvelope.Load(stream, DecodeCheckpoint));
    }

    // Everything here was validated by DecodeCheckpoint, so nothing can fail half-way.
    private void ApplyCheckpoint(CheckpointContent c)
    {
        c.Weights.CopyTo(_model.Parameters.Values, 0);
        _optimizer.ImportState(c.Optimizer);
        if (c.Schedule is not null)
        {
            _scheduler!.ImportState(c.Schedule);
        }
        if (c.Plateau is not null)
        {
            _plateau!.ImportState(c.Plateau);
        }
        _shuffleRandom.SetState(c.ShuffleRandom);
        _dropoutRandom.SetState(c.DropoutRandom);
        _epochStartRandom = c.EpochStartRandom;
        (_epoch, _batchInEpoch, _step) = (c.Epoch, c.BatchInEpoch, c.Step);
        (_epochLossSum, _epochLossWeight) = (c.EpochLossSum, c.EpochLossWeight);
        (_bestLoss, _bestEpoch, _badEpochs, _finished, _bestWeights) = (c.BestLoss, c.BestEpoch, c.BadEpochs, c.Finished, c.BestWeights);
        _history.Clear();
        _history.AddRange(c.History);
        _stepHistory.Clear();
        (_streamHidden, _streamCell) = (c.StreamHidden, c.StreamCell);
        (_average, _rawWeights) = (c.Average, null);
        _divergence = null;
    }

    // The whole file (header and payload) in memory, so that a refusal writes nothing.
    private MemoryStream SerializeCheckpoint()
    {
        RequireNotDiverged();
        RequireFinite(_model.Parameters.Values, "the model");
        if (_bestWeights is not null)
        {
            RequireFinite(_bestWeights, "the best epoch's weights");
        }
        RequireFinite(_streamHidden, "the carried stream state");
        RequireFinite(_streamCell, "the carried stream state");
        return CheckpointEnvelope.Write(CheckpointMagic, CheckpointVersion, WritePayload);
    }

    private void WritePayload(BinaryWriter w)
    {
        w.Write(Fingerprint());
        WriteFloats(w, RawParameterValues());
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
        WriteHistory(w, _history);
        WriteFloats(w, _streamHidden);
        WriteFloats(w, _streamCell);
        if (Options.AveragingDecay is not null)
        {
            w.Write(_average is not null);
            if (_average is not null)
            {
                WriteFloats(w, _average);
            }
        }
    }

    // What must agree between the run that saved and the run that resumes. Fine-tuning and weight averaging are named
    // only when they are set, so checkpoints written before they were part of the fingerprint still resume.
    private string Fingerprint() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"params={_model.Parameters.Count};names={string.Join(",", _model.Parameters.Names)};opt={Options.Optimizer};batch={Options.BatchSize};seed={Options.Seed};bucket={Options.BucketByLength};bptt={Options.TruncationLength};schedule={Options.Schedule?.GetType().Name};plateau={Options.ReduceOnPlateau is not null};early={Options.EarlyStoppingPatience}{(Options.FineTuning is { } f ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $";finetune={f.LayerLearningRateDivisor}/{f.GradualUnfreezing}{(f.PretrainedVocabularySize is int v ? "/" + v : "")}{(f.FrozenGroups > 0 ? "/frozen" + f.FrozenGroups : "")}") : "")}{(Options.AveragingDecay is double d ? ";average=" + d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "")}{(_trainedCount < _model.Parameters.Count ? ";freezengrams" : "")}");

    internal static void WriteHistory(BinaryWriter w, List<EpochSummary> history)
    {
        w.Write(history.Count);
        foreach (var e in history)
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
    }

    internal static void WriteFloats(BinaryWriter w, float[] values)
    {
        w.Write(values.Length);
        w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
    }

    internal static void WriteScheduler(BinaryWriter w, SchedulerState? state)
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
}
