using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Models;

/// <summary>
/// A sequence model: token embedding (or numeric per-step features), a recurrent stack, and a head for
/// classification, next-token prediction, tagging or regression. All parameters live in one
/// <see cref="ParameterSet"/> named as PyTorch names them (<c>embedding.weight</c>, <c>lstm.weight_ih_l0</c>,
/// <c>fc.weight</c>, <c>fc.bias</c>). Inference is thread-safe with one <see cref="ModelWorkspace"/> per thread.
/// </summary>
public sealed partial class SequenceModel
{
    private readonly ParameterInfo? _embedding;
    private readonly ParameterInfo _headWeight;
    private readonly ParameterInfo _headBias;

    /// <summary>Creates a model with PyTorch's default initialisation from a seed.</summary>
    /// <param name="options">The architecture; validated.</param>
    /// <param name="seed">Seed of the initial weights.</param>
    public SequenceModel(SequenceModelOptions options, int seed = 0)
        : this(options, (int?)seed)
    {
    }

    /// <summary>
    /// Creates a model; with a null <paramref name="seed"/> its weights are left zero for the caller to fill (the model
    /// file reader overwrites every one, so drawing PyTorch's random initialisation first would be wasted: ~10 ms of a
    /// 1 MB model's first prediction, and the JIT of the initialisers in a fresh process).
    /// </summary>
    internal SequenceModel(SequenceModelOptions options, int? seed)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        Parameters = new ParameterSet();
        if (options.UsesTokens)
        {
            _embedding = Parameters.Add("embedding.weight", options.VocabularySize, options.EmbeddingSize);
        }
        AddCharacterParameters();
        string prefix = options.Cell switch
        {
            RecurrentCellKind.Lstm => "lstm.",
            RecurrentCellKind.Gru => "gru.",
            _ => "rnn.",
        };
        Recurrent = new RecurrentLayer(new RecurrentLayerOptions
        {
            Cell = options.Cell,
            InputSize = options.StepInputSize,
            HiddenSize = options.HiddenSize,
            NumLayers = options.NumLayers,
            Bidirectional = options.IsBidirectional,
        }, Parameters, prefix);
        // Tied: the head reads the embedding (V, H) itself, and its backward adds into the embedding's gradient.
        _headWeight = options.TieWeights ? _embedding! : Parameters.Add("fc.weight", options.HeadOutputs, HeadInputSize);
        _headBias = Parameters.Add("fc.bias", options.HeadOutputs);
        AddNgramParameters();
        if (seed is int s)
        {
            ResetParameters(s);
        }
    }

    /// <summary>The architecture.</summary>
    public SequenceModelOptions Options { get; }

    /// <summary>Every parameter, in one flat buffer, with gradients.</summary>
    public ParameterSet Parameters { get; }

    /// <summary>The recurrent stack.</summary>
    public RecurrentLayer Recurrent { get; }

    /// <summary>Width of the recurrent features the head reads: directions × hidden size.</summary>
    public int FeatureSize => Options.IsBidirectional ? 2 * Options.HiddenSize : Options.HiddenSize;

    /// <summary>Whether the head predicts at every step (language model, tagging) rather than once per sequence.</summary>
    public bool IsPerStep => Options.Task is SequenceTask.LanguageModel or SequenceTask.Tagging;

    /// <summary>Creates buffers for one thread's forward/backward passes.</summary>
    public ModelWorkspace CreateWorkspace() => new(this);

    /// <summary>
    /// PyTorch's defaults: embedding N(0, 1); recurrent weights and biases U(±1/sqrt(H)); linear head weight and
    /// bias U(±1/sqrt(fan_in)). Optionally the LSTM forget-gate bias from <see cref="SequenceModelOptions.ForgetGateBias"/>.
    /// With <see cref="SequenceModelOptions.TieWeights"/> the shared matrix starts as the head's weight, U(±1/sqrt(H)).
    /// </summary>
    public void ResetParameters(int seed)
    {
        var random = new Random(seed);
        if (_embedding is not null)
        {
            FillNormal(Parameters.GetValues(_embedding), random);
        }
        Recurrent.ResetParameters(random, Options.ForgetGateBias);
        float bound = 1f / MathF.Sqrt(HeadInputSize);
        // Tied, the head's weight is the embedding: it is drawn again here, so the shared matrix starts as a head does.
        foreach (var info in new[] { _headWeight, _headBias })
        {
            var v = Parameters.GetValues(info);
            for (int i = 0; i < v.Length; i++)
            {
                v[i] = (float)((random.NextDouble() * 2 - 1) * bound);
            }
        }
        ResetCharacterParameters(random);
        ResetNgramParameters();
    }

    /// <summary>
    /// Checks that examples fit the model: non-empty, token ids in range, finite features, targets of the task's
    /// kind and range. Throws an ArgumentException naming the example, the value and what is allowed.
    /// </summary>
    /// <param name="examples">The examples.</param>
    /// <param name="requireTargets">Whether every example must carry its training target.</param>
    /// <param name="paramName">The argument name to report.</param>
    public void ValidateExamples(IReadOnlyList<SequenceExample> examples, bool requireTargets, string paramName = "examples")
    {
        ArgumentNullException.ThrowIfNull(examples, paramName);
        var o = Options;
        for (int i = 0; i < examples.Count; i++)
        {
            var e = examples[i] ?? throw new ArgumentException($"Example {i} is null.", paramName);
            int length;
            if (o.UsesTokens)
            {
                if (e.Tokens is null)
                {
                    throw new ArgumentException($"Example {i} has no Tokens; this model reads token ids 0..{o.VocabularySize - 1}.", paramName);
                }
                length = e.Tokens.Length;
                for (int t = 0; t < length; t++)
                {
                    if ((uint)e.Tokens[t] >= (uint)o.VocabularySize)
                    {
                        throw new ArgumentException($"Example {i} has token id {e.Tokens[t]} at step {t}; allowed ids are 0..{o.VocabularySize - 1} (map unknown tokens to the vocabulary's UNK id).", paramName);
                    }
                }
                ValidateCharacters(e, i, paramName);
            }
            else
            {
                if (e.Features is null)
                {
                    throw new ArgumentException($"Example {i} has no Features; this model reads {o.InputFeatures} numeric feature(s) per step.", paramName);
                }
                if (e.Features.Length % o.InputFeatures != 0)
                {
                    throw new ArgumentException($"Example {i} has {e.Features.Length} feature values, not a multiple of InputFeatures ({o.InputFeatures}).", paramName);
                }
                length = e.Features.Length / o.InputFeatures;
                int bad = Array.FindIndex(e.Features, v => !float.IsFinite(v));
                if (bad >= 0)
                {
                    throw new ArgumentException($"Example {i} has a non-finite feature ({e.Features[bad]}) at step {bad / o.InputFeatures}, feature {bad % o.InputFeatures}; features must be finite numbers.", paramName);
                }
            }
            if (length == 0)
            {
                throw new ArgumentException($"Example {i} is an empty sequence; every sequence needs at least one step.", paramName);
            }
            if (requireTargets)
            {
                ValidateTarget(e, i, length, paramName);
            }
        }
    }

    private void ValidateCharacters(SequenceExample e, int i, string paramName)
    {
        var o = Options;
        if (!o.UsesCharacters)
        {
            return;
        }
        if (e.Characters is null || e.Characters.Length != e.Tokens!.Length)
        {
            throw new ArgumentException($"Example {i} has {e.Tokens!.Length} tokens and {(e.Characters is null ? "no" : e.Characters.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))} character arrays; this character-aware model needs one per token (CharacterVocabulary.Encode).", paramName);
        }
        for (int t = 0; t < e.Characters.Length; t++)
        {
            var chars = e.Characters[t];
            if (chars is null || chars.Length == 0 || chars.Length > Text.CharacterVocabulary.MaxAllowedWordLength + 2)
            {
                throw new ArgumentException($"Example {i} has {(chars is null ? "no" : chars.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))} character ids at step {t}; allowed 1 to {Text.CharacterVocabulary.MaxAllowedWordLength + 2}.", paramName);
            }
            foreach (int id in chars)
            {
                if ((uint)id >= (uint)o.CharacterVocabularySize)
                {
                    throw new ArgumentException($"Example {i} has character id {id} at step {t}; allowed ids are 0..{o.CharacterVocabularySize - 1}.", paramName);
                }
            }
        }
    }

    private void ValidateTarget(SequenceExample e, int i, int length, string paramName)
    {
        var o = Options;
        int classes = o.HeadOutputs;
        switch (o.Task)
        {
            case SequenceTask.Classification:
                if ((uint)e.Label >= (uint)classes)
                {
                    throw new ArgumentException($"Example {i} has label {e.Label}; allowed labels are 0..{classes - 1}.", paramName);
                }
                break;
            case SequenceTask.Regression:
                if (e.Targets is null || e.Targets.Length != classes || !Array.TrueForAll(e.Targets, float.IsFinite))
                {
                    throw new ArgumentException($"Example {i} needs {classes} finite regression target(s); it has {(e.Targets is null ? "none" : $"{e.Targets.Length} ({string.Join(", ", e.Targets)})")}.", paramName);
                }
                break;
            default:
                if (e.StepLabels is null || e.StepLabels.Length != length)
                {
                    throw new ArgumentException($"Example {i} has {length} steps and {(e.StepLabels is null ? "no" : e.StepLabels.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))} step labels; it needs one per step (-1 for none).", paramName);
                }
                for (int t = 0; t < length; t++)
                {
                    if (e.StepLabels[t] < -1 || e.StepLabels[t] >= classes)
                    {
                        throw new ArgumentException($"Example {i} has step label {e.StepLabels[t]} at step {t}; allowed are 0..{classes - 1}, or -1 for none.", paramName);
                    }
                }
                break;
        }
    }

    /// <summary>
    /// This model with its tying undone: the same options with <see cref="SequenceModelOptions.TieWeights"/> false, the
    /// same values, and <c>fc.weight</c> a copy of the embedding. Predicts identically. An untied model returns itself.
    /// </summary>
    internal SequenceModel Untied()
    {
        if (!Options.TieWeights)
        {
            return this;
        }
        var untied = new SequenceModel(Options with { TieWeights = false });
        foreach (string name in Parameters.Names)
        {
            untied.Parameters.SetValues(name, Parameters.GetValues(name));
        }
        untied.Parameters.SetValues("fc.weight", Parameters.GetValues(_embedding!));
        return untied;
    }

    internal ParameterInfo HeadWeight => _headWeight;

    internal ParameterInfo HeadBias => _headBias;

    internal ParameterInfo? Embedding => _embedding;
}
