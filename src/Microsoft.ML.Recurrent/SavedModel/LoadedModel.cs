using System.Collections.Concurrent;
using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Explainability;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;

namespace Microsoft.ML.Recurrent.SavedModel;

/// <summary>
/// A decoded model of a saved chain, with one workspace per thread. Its stored numbers are validated when it is decoded
/// (<see cref="StoredNumbers"/>); whether it fits a mapping is checked at that mapping's first use (<see cref="RequireFit"/>),
/// and every prediction checks that the model's outputs are finite. An ensemble of classifiers (<see cref="ModelEnsemble"/>)
/// predicts the mean of its members' probabilities, each member reading the text with its own vocabulary.
/// </summary>
internal sealed partial class LoadedModel
{
    // One workspace per member per thread for the model it used last (usually the only one): no per-row allocation.
    [ThreadStatic]
    private static (LoadedModel? Owner, ModelWorkspace[]? Workspaces) _threadWorkspace;

    // One explainer per member per thread for the model it explained last (each owns a workspace).
    [ThreadStatic]
    private static (LoadedModel? Owner, IntegratedGradients[]? Explainers) _threadExplainer;

    private static int _decodeCount;

    private readonly int _maxLength;
    private readonly StoredNumbers _numbers;

    // The mappings (and featurizer sizes) this model has been checked against and fits.
    private readonly ConcurrentDictionary<(MappingKind Kind, int FeatureSize), bool> _fits = new();

    private LoadedModel(RecurrentModelFile[] members)
    {
        Members = members;
        _numbers = StoredNumbers.Read(members[0]);
        _maxLength = _numbers.MaxSequenceLength;
    }

    /// <summary>The model file (of an ensemble: its first member, whose numbers, classes and task every member shares).</summary>
    public RecurrentModelFile Bundle => Members[0];

    /// <summary>The model files: one, or an ensemble's members.</summary>
    public RecurrentModelFile[] Members { get; }

    /// <summary>The class (or tag) names of a classifier's model file.</summary>
    public IReadOnlyList<string> LabelNames => Bundle.LabelNames ?? throw new InvalidDataException("The recurrent model column holds a classifier without class names.");

    /// <summary>How many model texts this process has decoded (tests check that a model is decoded once).</summary>
    public static int DecodeCount => Volatile.Read(ref _decodeCount);

    public static LoadedModel Decode(string base64)
    {
        Interlocked.Increment(ref _decodeCount);
        return new LoadedModel(ModelEnsemble.Decode(base64));
    }

    /// <summary>
    /// Throws an <see cref="InvalidDataException"/> unless the model fits the mapping (<see cref="MappingFit"/>); the check
    /// runs once per mapping kind (and featurizer size) and is then remembered.
    /// </summary>
    public LoadedModel RequireFit(MappingKind kind, int featureSize = 0)
    {
        if (!_fits.ContainsKey((kind, featureSize)))
        {
            foreach (var member in Members)
            {
                MappingFit.Check(member, kind, featureSize);
            }
            _fits.TryAdd((kind, featureSize), true);
        }
        return this;
    }

    /// <summary>
    /// Standardises a numeric series with the training mean and deviation, predicts, and returns the value in the
    /// original units. An empty series, or one with a non-finite value, gives NaN (as ML.NET predictors do for
    /// missing features).
    /// </summary>
    public float PredictSeries(ReadOnlySpan<float> series)
    {
        double mean = _numbers.SeriesMean, std = _numbers.SeriesStd;
        int take = Math.Min(series.Length, _maxLength);
        if (take == 0)
        {
            return float.NaN;
        }
        var features = new float[take];
        var tail = series[^take..];
        for (int i = 0; i < take; i++)
        {
            features[i] = (float)((tail[i] - mean) / std);
            if (!float.IsFinite(features[i]))
            {
                return float.NaN; // a non-finite value, or one too far from the training mean for the float range
            }
        }
        Span<float> output = stackalloc float[1];
        Predict(0, SequenceExample.ForPrediction(features), output);
        float value = (float)(output[0] * std + mean);
        RequireFinite([value]);
        return value;
    }

    /// <summary>The most likely token after the text (of a language model) and its probability.</summary>
    public (string Token, float Probability, float[] Distribution) PredictNextToken(string? text)
    {
        var sequencer = Bundle.Sequencer ?? throw new InvalidDataException("The recurrent model column holds a model without a vocabulary; a text model needs one.");
        int[] ids = sequencer.Encode(text ?? "");
        if (ids.Length == 0)
        {
            ids = [Math.Max(0, sequencer.Vocabulary.BeginId >= 0 ? sequencer.Vocabulary.BeginId : sequencer.Vocabulary.UnknownId)];
        }
        else if (ids.Length > _maxLength)
        {
            ids = ids[^_maxLength..];
        }
        // Per-step head: only the last step's logits (row ids.Length - 1), whatever the length and the vocabulary.
        var logits = Bundle.Model.ForwardRows(Workspace(0), new[] { SequenceExample.ForPrediction(ids) }, ids.Length - 1, 1).ToArray();
        RequireFinite(logits);
        SoftMax(logits);
        int best = TensorPrimitives.IndexOfMax(logits);
        return (sequencer.Vocabulary.GetToken(best), logits[best], logits);
    }

    /// <summary>One tag per token (a tagging model); an empty token sequence gives no tags.</summary>
    public string[] PredictTags(string[]? tokens)
    {
        var sequencer = Bundle.Sequencer ?? throw new InvalidDataException("The recurrent model column holds a model without a vocabulary; a tagger needs one.");
        var names = Bundle.LabelNames ?? throw new InvalidDataException("The recurrent tagger has no tag names.");
        if (tokens is null || tokens.Length == 0)
        {
            return [];
        }
        var tags = new string[tokens.Length];
        int classes = names.Count;
        // Long sequences are tagged in windows of the trained maximum length.
        for (int start = 0; start < tokens.Length; start += _maxLength)
        {
            var window = tokens.Skip(start).Take(_maxLength);
            int[] ids = sequencer.Vocabulary.Encode(window);
            var ws = Workspace(0);
            Bundle.Model.Forward(ws, new[] { SequenceExample.ForPrediction(ids, sequencer.Characters?.Encode(window)) }, training: false, null, default, default);
            RequireFinite(ws.Logits.AsSpan(0, ids.Length * classes));
            for (int t = 0; t < ids.Length; t++)
            {
                tags[start + t] = names[TensorPrimitives.IndexOfMax(ws.Logits.AsSpan(t * classes, classes))];
            }
        }
        return tags;
    }

    /// <summary>The top layer's final state after reading the text (forward and reverse halves), zero-padded into the destination.</summary>
    public void Featurize(string? text, Span<float> destination)
    {
        var sequencer = Bundle.Sequencer ?? throw new InvalidDataException("The recurrent model column holds a model without a vocabulary; a text featurizer needs one.");
        int[] ids = sequencer.Encode(text ?? "");
        ids = ids.Length == 0 ? [Math.Max(0, sequencer.Vocabulary.UnknownId)] : ids.Length > _maxLength ? ids[^_maxLength..] : ids;
        var ws = Workspace(0);
        Bundle.Model.ForwardFeatures(ws, new[] { SequenceExample.ForPrediction(ids) }, training: false, null, default, default, keepActivations: false);
        var o = Bundle.Model.Options;
        int dirs = o.IsBidirectional ? 2 : 1, h = o.HiddenSize;
        destination.Clear();
        for (int d = 0; d < dirs; d++)
        {
            ws.Recurrent.FinalHidden.AsSpan(((o.NumLayers - 1) * dirs + d) * h, h).CopyTo(destination.Slice(d * h, h));
        }
        RequireFinite(destination);
    }

    // This thread's workspace for this model. The decoded model only predicts, so its weights stay packed between rows
    // (FreezeWeights), and a row runs on the calling thread: it is too small to share with a worker, and ML.NET already
    // runs parallel cursors on threads of their own.
    private ModelWorkspace Workspace(int member)
    {
        if (!ReferenceEquals(_threadWorkspace.Owner, this))
        {
            var workspaces = new ModelWorkspace[Members.Length];
            for (int i = 0; i < workspaces.Length; i++)
            {
                workspaces[i] = Members[i].Model.CreateWorkspace();
                workspaces[i].Recurrent.FreezeWeights();
                workspaces[i].Recurrent.Scheduling = Engine.Scheduling.SchedulingOptions.CallingThread;
            }
            _threadWorkspace = (this, workspaces);
        }
        return _threadWorkspace.Workspaces![member];
    }

    private void Predict(int member, SequenceExample example, Span<float> output)
    {
        var ws = Workspace(member);
        Members[member].Model.Forward(ws, new[] { example }, training: false, null, default, default);
        ws.Logits.AsSpan(0, output.Length).CopyTo(output);
        RequireFinite(output);
    }

    /// <summary>
    /// Softmax in place. Logits far from 0 (possible with any finite weights) are shifted by their maximum first, so the
    /// exponentials neither overflow nor all underflow; others take the plain path, so ordinary models' probabilities
    /// stay bit-identical to earlier releases.
    /// </summary>
    public static void SoftMax(Span<float> logits)
    {
        float max = TensorPrimitives.Max(logits);
        if (max is > 80f or < -80f)
        {
            TensorPrimitives.Subtract(logits, max, logits);
        }
        TensorPrimitives.SoftMax(logits, logits);
    }

    // Corrupt or extreme weights can overflow: refuse rather than hand NaN or infinity to the pipeline as a prediction.
    private static void RequireFinite(ReadOnlySpan<float> outputs)
    {
        foreach (float value in outputs)
        {
            if (!float.IsFinite(value))
            {
                throw new InvalidDataException("The recurrent model gives non-finite outputs for this input: its weights are corrupt or out of range.");
            }
        }
    }
}
