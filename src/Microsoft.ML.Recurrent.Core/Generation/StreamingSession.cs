using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Generation;

/// <summary>
/// The running state of one sequence over a <see cref="StreamingPredictor"/>: feed one step at a time with
/// <see cref="Step(int)"/> or <see cref="Step(ReadOnlySpan{float})"/> and read the head's output after each.
/// </summary>
/// <remarks>
/// After step t the outputs equal those of the full-sequence forward pass over steps 0..t: the next-token
/// distribution of a language model, the per-step prediction of a tagger, or, for classification and regression
/// heads, the prediction for the prefix 0..t under the model's pooling (Last, Mean and Max are kept as running
/// values). Steps allocate nothing once the session has run one step on its thread. A session is not
/// thread-safe; use one per thread (<see cref="Fork"/> or <see cref="StreamingPredictor.CreateSession"/>).
/// </remarks>
public sealed partial class StreamingSession
{
    private readonly StreamingPredictor _predictor;
    private readonly float[] _hidden;    // (L, H)
    private readonly float[] _cell;      // (L, H) LSTM only, else empty
    private readonly float[] _pooled;    // (H) running sum (Mean) or maximum (Max) of the top layer's outputs; (2H) [max | sum] for Concat
    private readonly float[] _logits;    // (C)
    private readonly float[] _probabilities; // (C) softmax of _logits, computed on demand
    private readonly float[] _lastInput;  // (C) PredictChange: the last step's first C features, which the output adds (else empty)
    private bool _probabilitiesValid;
    private long _stepCount;

    internal StreamingSession(StreamingPredictor predictor)
    {
        _predictor = predictor;
        var o = predictor.Options;
        int h = o.HiddenSize, gh = GateCount(o.Cell) * h;
        _hidden = new float[o.NumLayers * h];
        _cell = o.Cell == RecurrentCellKind.Lstm ? new float[o.NumLayers * h] : [];
        bool concat = o.Pooling == SequencePooling.Concat && (o.Task is SequenceTask.Classification or SequenceTask.Regression);
        _pooled = new float[concat ? 2 * h : h];
        _logits = new float[o.HeadOutputs];
        _probabilities = new float[o.HeadOutputs];
        _lastInput = o.PredictChange ? new float[o.HeadOutputs] : [];
        _input = new float[Math.Max(o.StepInputSize, h)];
        _inputProjection = new float[gh];
        _hiddenProjection = new float[gh];
        _saved = new float[predictor.SavedGateWidth];
        _newHidden = new float[h];
        _newCell = new float[h];
        _tanhCell = new float[h];
        _features = new float[concat ? 3 * h : h];
    }

    /// <summary>The predictor this session runs over.</summary>
    public StreamingPredictor Predictor => _predictor;

    /// <summary>Steps fed since the session was created or last <see cref="Reset"/>.</summary>
    public long StepCount => _stepCount;

    /// <summary>
    /// The head's raw outputs after the last step (C): next-token or class logits, or the regression outputs.
    /// The span stays valid, and is overwritten by the next step.
    /// </summary>
    /// <exception cref="InvalidOperationException">No step has been fed yet.</exception>
    public ReadOnlySpan<float> Logits
    {
        get
        {
            RequireStep();
            return _logits;
        }
    }

    /// <summary>Softmax of <see cref="Logits"/>: the next-token distribution (language model) or class probabilities.</summary>
    /// <exception cref="InvalidOperationException">No step has been fed yet, or the model is a regression model.</exception>
    public ReadOnlySpan<float> Probabilities
    {
        get
        {
            RequireStep();
            if (_predictor.Options.Task == SequenceTask.Regression)
            {
                throw new InvalidOperationException("A regression model has no probabilities; read Prediction.");
            }
            if (!_probabilitiesValid)
            {
                TensorPrimitives.SoftMax(_logits, _probabilities);
                _probabilitiesValid = true;
            }
            return _probabilities;
        }
    }

    /// <summary>The regression outputs for the prefix fed so far (the same values as <see cref="Logits"/>).</summary>
    /// <exception cref="InvalidOperationException">No step has been fed yet, or the model is not a regression model.</exception>
    public ReadOnlySpan<float> Prediction
    {
        get
        {
            RequireStep();
            if (_predictor.Options.Task != SequenceTask.Regression)
            {
                throw new InvalidOperationException($"Prediction holds regression outputs; this is a {_predictor.Options.Task} model: read Probabilities or PredictedClass.");
            }
            return _logits;
        }
    }

    /// <summary>The most likely class or next token (first maximum of <see cref="Logits"/>).</summary>
    /// <exception cref="InvalidOperationException">No step has been fed yet, or the model is a regression model.</exception>
    public int PredictedClass
    {
        get
        {
            RequireStep();
            if (_predictor.Options.Task == SequenceTask.Regression)
            {
                throw new InvalidOperationException("A regression model has no classes; read Prediction.");
            }
            return TokenSampler.Greedy(_logits);
        }
    }

    /// <summary>Returns to the zero initial state, as if just created.</summary>
    public void Reset()
    {
        Array.Clear(_hidden);
        Array.Clear(_cell);
        Array.Clear(_pooled);
        Array.Clear(_logits);
        _probabilitiesValid = false;
        _stepCount = 0;
    }

    /// <summary>Captures the whole state (recurrent state, pooling, outputs) as an immutable value.</summary>
    /// <returns>A state that <see cref="Restore"/> can bring back in this or any session of an identically shaped predictor.</returns>
    public SessionState Snapshot() =>
        new(_predictor.Options, _stepCount, (float[])_hidden.Clone(), (float[])_cell.Clone(), (float[])_pooled.Clone(), (float[])_logits.Clone());

    /// <summary>Replaces this session's state with a snapshot; the next steps continue exactly from there.</summary>
    /// <param name="state">A snapshot from a session over a predictor with the same options.</param>
    /// <exception cref="ArgumentException">The snapshot comes from a model of another architecture.</exception>
    public void Restore(SessionState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Options != _predictor.Options)
        {
            throw new ArgumentException($"The state was taken from a session of another architecture ({state.Options}); this session's model is {_predictor.Options}.", nameof(state));
        }
        state.HiddenValues.CopyTo(_hidden, 0);
        state.CellValues.CopyTo(_cell, 0);
        state.PooledValues.CopyTo(_pooled, 0);
        state.LogitValues.CopyTo(_logits, 0);
        _stepCount = state.StepCount;
        _probabilitiesValid = false;
    }

    /// <summary>Creates an independent session over the same predictor, starting from this session's current state.</summary>
    /// <returns>The new session; stepping either one does not affect the other.</returns>
    public StreamingSession Fork()
    {
        var fork = new StreamingSession(_predictor);
        _hidden.CopyTo(fork._hidden, 0);
        _cell.CopyTo(fork._cell, 0);
        _pooled.CopyTo(fork._pooled, 0);
        _logits.CopyTo(fork._logits, 0);
        fork._stepCount = _stepCount;
        return fork;
    }

    private void RequireStep()
    {
        if (_stepCount == 0)
        {
            throw new InvalidOperationException("No step has been fed yet: call Step first (an empty prefix has no prediction).");
        }
    }

    private static int GateCount(RecurrentCellKind cell) => cell switch
    {
        RecurrentCellKind.Lstm => 4,
        RecurrentCellKind.Gru => 3,
        _ => 1,
    };
}
