using System.Collections.Concurrent;
using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Explainability;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;

namespace Microsoft.ML.Recurrent.SavedModel;

/// <summary>
/// A decoded model of a saved chain, with one workspace per thread. Its stored numbers are validated when it is decoded
/// (<see cref="StoredNumbers"/>); whether it fits a mapping is checked at that mapping's first use (<see cref="RequireFit"/>),
/// and every prediction checks that the model's outputs are finite.
/// </summary>
internal sealed class LoadedModel
{
    // One workspace per thread for the model it used last (usually the only one): no per-row allocation.
    [ThreadStatic]
    private static (LoadedModel? Owner, ModelWorkspace? Workspace) _threadWorkspace;

    // One explainer per thread for the model it explained last (it owns a workspace).
    [ThreadStatic]
    private static (LoadedModel? Owner, IntegratedGradients? Explainer) _threadExplainer;

    private static int _decodeCount;

    private readonly int _maxLength;
    private readonly StoredNumbers _numbers;

    // The mappings (and featurizer sizes) this model has been checked against and fits.
    private readonly ConcurrentDictionary<(MappingKind Kind, int FeatureSize), bool> _fits = new();

    private LoadedModel(RecurrentModelFile bundle)
    {
        Bundle = bundle;
        _numbers = StoredNumbers.Read(bundle);
        _maxLength = _numbers.MaxSequenceLength;
    }

    public RecurrentModelFile Bundle { get; }

    /// <summary>The class (or tag) names of a classifier's model file.</summary>
    public IReadOnlyList<string> LabelNames => Bundle.LabelNames ?? throw new InvalidDataException("The recurrent model column holds a classifier without class names.");

    /// <summary>How many model texts this process has decoded (tests check that a model is decoded once).</summary>
    public static int DecodeCount => Volatile.Read(ref _decodeCount);

    public static LoadedModel Decode(string base64)
    {
        Interlocked.Increment(ref _decodeCount);
        try
        {
            return new LoadedModel(RecurrentModelFile.FromBase64(base64));
        }
        catch (FormatException e)
        {
            throw new InvalidDataException("The recurrent model column does not hold base64 text.", e);
        }
    }

    /// <summary>
    /// Throws an <see cref="InvalidDataException"/> unless the model fits the mapping (<see cref="MappingFit"/>); the check
    /// runs once per mapping kind (and featurizer size) and is then remembered.
    /// </summary>
    public LoadedModel RequireFit(MappingKind kind, int featureSize = 0)
    {
        if (!_fits.ContainsKey((kind, featureSize)))
        {
            MappingFit.Check(Bundle, kind, featureSize);
            _fits.TryAdd((kind, featureSize), true);
        }
        return this;
    }

    /// <summary>Maps tokens (from a key-vector column) through the vocabulary, truncates, and writes the head's logits.</summary>
    public void PredictLogits(string[]? tokens, Span<float> logits)
    {
        var sequencer = Bundle.Sequencer ?? throw new InvalidDataException("The recurrent model column holds a model without a vocabulary.");
        Predict(TokenExample(sequencer, tokens is null ? [] : tokens.Take(_maxLength).ToArray()), logits);
    }

    // Token ids (and the characters of a character-aware model) of tokens already cut to length; no token reads as one unknown one.
    private static SequenceExample TokenExample(Text.TextSequencer sequencer, string[] tokens)
    {
        if (tokens.Length == 0)
        {
            return SequenceExample.ForPrediction([Math.Max(0, sequencer.Vocabulary.UnknownId)], sequencer.Characters is null ? null : [sequencer.Characters.Encode("")]);
        }
        return SequenceExample.ForPrediction(sequencer.Vocabulary.Encode(tokens), sequencer.Characters?.Encode(tokens));
    }

    /// <summary>Tokenizes, truncates to the trained maximum length, and writes the head's logits.</summary>
    public void PredictLogits(string? text, Span<float> logits)
    {
        if (Bundle.Sequencer is null)
        {
            throw new InvalidDataException("The recurrent model column holds a model without a vocabulary; a text model needs one.");
        }
        if (Bundle.Sequencer.Characters is not null)
        {
            Predict(TokenExample(Bundle.Sequencer, Bundle.Sequencer.Tokenizer.Tokenize(text ?? "").Take(_maxLength).ToArray()), logits);
            return;
        }
        int[] ids = Bundle.Sequencer.Encode(text ?? "");
        if (ids.Length == 0)
        {
            // An empty text is read as one unknown token (or padding), so every row gets a prediction.
            ids = [Math.Max(0, Bundle.Sequencer.Vocabulary.UnknownId)];
        }
        else if (ids.Length > _maxLength)
        {
            ids = ids[.._maxLength];
        }
        Predict(SequenceExample.ForPrediction(ids), logits);
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
        Predict(SequenceExample.ForPrediction(features), output);
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
        var logits = Bundle.Model.ForwardRows(Workspace(), new[] { SequenceExample.ForPrediction(ids) }, ids.Length - 1, 1).ToArray();
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
            var ws = Workspace();
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
        var ws = Workspace();
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

    /// <summary>
    /// The tokens a classifier reads from a text (its first max-length tokens) and their integrated-gradients
    /// attributions: towards true (class 1) for a binary classifier, towards the predicted class for a multiclass one.
    /// An empty text gives none.
    /// </summary>
    public (string[] Tokens, float[] Values) Explain(string? text)
    {
        var sequencer = Bundle.Sequencer ?? throw new InvalidDataException("The recurrent model column holds a model without a vocabulary; a text model needs one.");
        string[] tokens = sequencer.Tokenizer.Tokenize(text ?? "");
        return Explain(tokens.Length > _maxLength ? tokens[.._maxLength] : tokens, sequencer.Vocabulary);
    }

    /// <summary>As <see cref="Explain(string?)"/>, for the tokens of a key-vector column.</summary>
    public (string[] Tokens, float[] Values) Explain(string[]? tokens)
    {
        var sequencer = Bundle.Sequencer ?? throw new InvalidDataException("The recurrent model column holds a model without a vocabulary.");
        tokens ??= [];
        return Explain(tokens.Length > _maxLength ? tokens[.._maxLength] : tokens, sequencer.Vocabulary);
    }

    private (string[] Tokens, float[] Values) Explain(string[] tokens, Text.Vocabulary vocabulary)
    {
        if (tokens.Length == 0)
        {
            return ([], []);
        }
        if (!ReferenceEquals(_threadExplainer.Owner, this))
        {
            _threadExplainer = (this, new IntegratedGradients(Bundle.Model));
        }
        int? target = Bundle.Model.Options.HeadOutputs == 2 ? 1 : null;
        var attribution = _threadExplainer.Explainer!.Explain(vocabulary.Encode(tokens), target);
        float[] values = [.. attribution.Values];
        RequireFinite(values);
        return (tokens, values);
    }

    // This thread's workspace for this model. The decoded model only predicts, so its weights stay packed between rows
    // (FreezeWeights), and a row runs on the calling thread: it is too small to share with a worker, and ML.NET already
    // runs parallel cursors on threads of their own.
    private ModelWorkspace Workspace()
    {
        if (!ReferenceEquals(_threadWorkspace.Owner, this))
        {
            var ws = Bundle.Model.CreateWorkspace();
            ws.Recurrent.FreezeWeights();
            ws.Recurrent.Scheduling = Engine.Scheduling.SchedulingOptions.CallingThread;
            _threadWorkspace = (this, ws);
        }
        return _threadWorkspace.Workspace!;
    }

    private void Predict(SequenceExample example, Span<float> output)
    {
        var ws = Workspace();
        Bundle.Model.Forward(ws, new[] { example }, training: false, null, default, default);
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
