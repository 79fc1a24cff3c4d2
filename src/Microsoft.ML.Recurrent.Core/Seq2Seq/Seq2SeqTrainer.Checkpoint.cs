using System.Globalization;
using System.Text;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Seq2Seq;

// Checkpoints in the layout of SequenceTrainer's (docs/seq2seq.md): magic "RS2STRAN", version, payload length, SHA-256 of
// the payload, payload. The whole file is decoded and checked before anything is applied.
public sealed partial class Seq2SeqTrainer
{
    private static ReadOnlySpan<byte> CheckpointMagic => "RS2STRAN"u8;
    private const int CheckpointVersion = 1;

    /// <summary>
    /// Writes everything needed to resume this run exactly: weights, optimizer and schedule states, the shuffle state,
    /// position (epoch, batch, step), early-stopping state, the best weights and the history.
    /// </summary>
    /// <param name="stream">A writable stream; left open.</param>
    /// <exception cref="InvalidOperationException">A weight is NaN or infinite: such a state is never written.</exception>
    public void SaveCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CheckpointEnvelope.Save(stream, SerializeCheckpoint);
    }

    /// <summary>Writes a checkpoint to a file atomically (a crash mid-save never leaves a half-written file in its place).</summary>
    /// <param name="path">The file to write.</param>
    /// <exception cref="InvalidOperationException">As for <see cref="SaveCheckpoint(Stream)"/>; no file is touched.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public void SaveCheckpoint(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckpointEnvelope.Save(path, SerializeCheckpoint);
    }

    /// <summary>
    /// Restores a checkpoint written by a trainer with the same model shape and options; the next Fit continues from it.
    /// When it is refused, the trainer and its model are left exactly as they were.
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
        CheckpointEnvelope.Load(stream, Decode)();
    }

    private MemoryStream SerializeCheckpoint()
    {
        RequireFinite(_model.Parameters.Values, "the model");
        if (_bestWeights is not null)
        {
            RequireFinite(_bestWeights, "the best epoch's weights");
        }
        return CheckpointEnvelope.Write(CheckpointMagic, CheckpointVersion, w =>
        {
            w.Write(Fingerprint());
            SequenceTrainer.WriteFloats(w, _model.Parameters.Values);
            using (var optimizer = new MemoryStream())
            {
                _optimizer.ExportState().WriteTo(optimizer);
                w.Write((int)optimizer.Length);
                w.Write(optimizer.GetBuffer(), 0, (int)optimizer.Length);
            }
            SequenceTrainer.WriteScheduler(w, _scheduler?.ExportState());
            SequenceTrainer.WriteScheduler(w, _plateau?.ExportState());
            // The current shuffle state is kept for the format's sake: Fit restarts every epoch from _epochStartRandom.
            foreach (ulong word in _random.GetState().Concat(_epochStartRandom))
            {
                w.Write(word);
            }
            w.Write(_epoch);
            w.Write(_batchInEpoch);
            w.Write(_step);
            w.Write(_epochLossSum);
            w.Write(_epochTokens);
            w.Write(_bestLoss);
            w.Write(_bestEpoch);
            w.Write(_badEpochs);
            w.Write(_finished);
            w.Write(_bestWeights is not null);
            if (_bestWeights is not null)
            {
                SequenceTrainer.WriteFloats(w, _bestWeights);
            }
            SequenceTrainer.WriteHistory(w, _history);
        });
    }

    // Reads and checks the whole checkpoint; returns the action that applies it (which cannot fail).
    private Action Decode(Stream stream)
    {
        // Weights, best weights and up to three optimizer buffers, and 8 MiB for the fingerprint, schedules and history.
        long limit = (1L << 23) + 4L * 5L * _model.Parameters.Count;
        byte[] payload = CheckpointEnvelope.Read(stream, CheckpointMagic, CheckpointVersion, limit, "sequence-to-sequence training checkpoint");
        using var r = new BinaryReader(new MemoryStream(payload, writable: false), Encoding.UTF8);
        string fingerprint = r.ReadString();
        if (fingerprint != Fingerprint())
        {
            throw new InvalidDataException($"The checkpoint was written for another model or trainer options ({fingerprint}); this trainer is ({Fingerprint()}).");
        }
        int count = _model.Parameters.Count;
        var weights = SequenceTrainer.ReadFiniteFloats(r, count, "the model's weights");
        var optimizer = SequenceTrainer.ReadOptimizer(r, payload.Length, _optimizer);
        var schedule = SequenceTrainer.ReadScheduler(r, _scheduler is not null, "learning-rate schedule", s => _scheduler!.StateProblem(s));
        var plateau = SequenceTrainer.ReadScheduler(r, _plateau is not null, "ReduceOnPlateau", ReduceLROnPlateau.StateProblem);
        ulong[] random = SequenceTrainer.ReadRandomState(r), epochStart = SequenceTrainer.ReadRandomState(r);
        int epoch = r.ReadInt32(), batchInEpoch = r.ReadInt32();
        long step = r.ReadInt64();
        double lossSum = r.ReadDouble();
        long tokens = r.ReadInt64();
        double bestLoss = r.ReadDouble();
        int bestEpoch = r.ReadInt32(), badEpochs = r.ReadInt32();
        if (epoch < 0 || batchInEpoch < 0 || step < 0 || tokens < 0 || !double.IsFinite(lossSum) || double.IsNaN(bestLoss)
            || bestEpoch < 0 || bestEpoch > epoch || badEpochs < 0)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"The checkpoint's position is impossible: epoch {epoch}, batch {batchInEpoch}, step {step}, loss sum {lossSum} over {tokens} tokens, best loss {bestLoss} at epoch {bestEpoch}, {badEpochs} bad epochs."));
        }
        bool finished = r.ReadBoolean();
        float[]? best = r.ReadBoolean() ? SequenceTrainer.ReadFiniteFloats(r, count, "the best epoch's weights") : null;
        var history = SequenceTrainer.ReadHistory(r, epoch);
        if (r.BaseStream.Position != payload.Length)
        {
            throw new InvalidDataException($"The checkpoint has {payload.Length - r.BaseStream.Position} unexpected bytes after its content.");
        }
        return () =>
        {
            weights.CopyTo(_model.Parameters.Values, 0);
            _optimizer.ImportState(optimizer);
            if (schedule is not null)
            {
                _scheduler!.ImportState(schedule);
            }
            if (plateau is not null)
            {
                _plateau!.ImportState(plateau);
            }
            _random.SetState(random);
            _epochStartRandom = epochStart;
            (_epoch, _batchInEpoch, _step, _epochLossSum, _epochTokens) = (epoch, batchInEpoch, step, lossSum, tokens);
            (_bestLoss, _bestEpoch, _badEpochs, _finished, _bestWeights) = (bestLoss, bestEpoch, badEpochs, finished, best);
            _history.Clear();
            _history.AddRange(history);
        };
    }

    // What must agree between the run that saved and the run that resumes.
    private string Fingerprint() => string.Create(CultureInfo.InvariantCulture,
        $"params={_model.Parameters.Count};names={string.Join(",", _model.Parameters.Names)};opt={Options.Optimizer};batch={Options.BatchSize};seed={Options.Seed};bucket={Options.BucketByLength};schedule={Options.Schedule?.GetType().Name};plateau={Options.ReduceOnPlateau is not null};early={Options.EarlyStoppingPatience};smoothing={_labelSmoothing:R}");

    private static void RequireFinite(float[] values, string what)
    {
        int bad = FiniteCheck.IndexOfNonFinite(values);
        if (bad >= 0)
        {
            throw new InvalidOperationException($"Refusing to save a checkpoint: {what} holds a non-finite value ({values[bad]}) at element {bad}.");
        }
    }
}
