using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Generation;

/// <summary>
/// A read-only snapshot of a unidirectional <see cref="SequenceModel"/> for step-by-step inference: one token
/// (or one feature vector) at a time, with the recurrent state carried in a <see cref="StreamingSession"/>.
/// </summary>
/// <remarks>
/// The constructor copies the model's weights, so training or editing the original model afterwards does not
/// change the predictor (create a new predictor to pick up new weights). The predictor is immutable and
/// thread-safe: any number of sessions, on any threads, can run over one predictor at once; each session owns
/// its buffers. Bidirectional models are rejected, because their reverse direction needs the whole sequence.
/// </remarks>
public sealed class StreamingPredictor
{
    private readonly SequenceModel _model;
    private readonly ParameterInfo[] _weightIh;
    private readonly ParameterInfo[] _weightHh;
    private readonly ParameterInfo?[] _biasIh;
    private readonly ParameterInfo?[] _biasHh;

    /// <summary>Snapshots a model's architecture and current weights.</summary>
    /// <param name="model">A unidirectional model of any task; not null.</param>
    /// <exception cref="ArgumentException">The model is bidirectional, or reads characters (character-aware words).</exception>
    public StreamingPredictor(SequenceModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var o = model.Options;
        if (o.IsBidirectional)
        {
            throw new ArgumentException(
                $"Streaming inference needs a unidirectional model; this {o.Task} model is bidirectional, and its reverse direction needs the whole sequence before the first output. Use SequenceModel's batch inference instead.",
                nameof(model));
        }
        if (o.UsesCharacters)
        {
            throw new ArgumentException(
                "Streaming inference feeds token ids one at a time; this model also reads each token's characters (CharacterVocabularySize). Use SequenceModel's batch inference instead.",
                nameof(model));
        }
        // A private copy that nobody trains: the layout (parameter names, offsets) is a function of the options.
        _model = new SequenceModel(o);
        model.Parameters.Values.AsSpan().CopyTo(_model.Parameters.Values);
        int layers = o.NumLayers;
        _weightIh = new ParameterInfo[layers];
        _weightHh = new ParameterInfo[layers];
        _biasIh = new ParameterInfo?[layers];
        _biasHh = new ParameterInfo?[layers];
        for (int k = 0; k < layers; k++)
        {
            _weightIh[k] = _model.Recurrent.WeightIh(k);
            _weightHh[k] = _model.Recurrent.WeightHh(k);
            _biasIh[k] = _model.Recurrent.BiasIh(k);
            _biasHh[k] = _model.Recurrent.BiasHh(k);
        }
        SavedGateWidth = _model.Recurrent.SavedGateWidth;
    }

    /// <summary>The architecture of the snapshotted model.</summary>
    public SequenceModelOptions Options => _model.Options;

    /// <summary>Width of <see cref="StreamingSession.Logits"/>: the vocabulary size, number of classes or regression outputs.</summary>
    public int OutputSize => _model.Options.HeadOutputs;

    /// <summary>Creates a session with a zero initial state. Sessions are independent and not thread-safe themselves.</summary>
    /// <returns>A new session over this predictor.</returns>
    public StreamingSession CreateSession() => new(this);

    /// <summary>The private weight copy; never trained, so it can be read by many threads at once.</summary>
    internal SequenceModel Model => _model;

    internal int SavedGateWidth { get; }

    internal ReadOnlySpan<float> Values(ParameterInfo info) => _model.Parameters.Values.AsSpan(info.Offset, info.Length);

    internal ReadOnlySpan<float> Bias(ParameterInfo? info) => info is null ? default : Values(info);

    internal ParameterInfo WeightIh(int layer) => _weightIh[layer];

    internal ParameterInfo WeightHh(int layer) => _weightHh[layer];

    internal ParameterInfo? BiasIh(int layer) => _biasIh[layer];

    internal ParameterInfo? BiasHh(int layer) => _biasHh[layer];
}
