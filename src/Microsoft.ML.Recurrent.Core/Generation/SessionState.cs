using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Generation;

/// <summary>
/// An immutable copy of a <see cref="StreamingSession"/>'s state, from <see cref="StreamingSession.Snapshot"/>:
/// the recurrent state of every layer, the running pooling values and the last outputs. Restore it with
/// <see cref="StreamingSession.Restore"/> into any session over a predictor of the same architecture; it can
/// be restored any number of times and shared between threads.
/// </summary>
public sealed class SessionState
{
    internal SessionState(SequenceModelOptions options, long stepCount, float[] hidden, float[] cell, float[] pooled, float[] logits)
    {
        Options = options;
        StepCount = stepCount;
        HiddenValues = hidden;
        CellValues = cell;
        PooledValues = pooled;
        LogitValues = logits;
    }

    /// <summary>Steps fed before the snapshot was taken.</summary>
    public long StepCount { get; }

    /// <summary>The hidden state of every layer, (NumLayers, HiddenSize) row-major.</summary>
    public ReadOnlyMemory<float> Hidden => HiddenValues;

    /// <summary>The LSTM cell state of every layer, (NumLayers, HiddenSize) row-major; empty for GRU and RNN.</summary>
    public ReadOnlyMemory<float> Cell => CellValues;

    internal SequenceModelOptions Options { get; }

    internal float[] HiddenValues { get; }

    internal float[] CellValues { get; }

    internal float[] PooledValues { get; }

    internal float[] LogitValues { get; }
}
