namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// A stacked, optionally bidirectional recurrent layer (vanilla RNN, LSTM or GRU) with PyTorch's
/// equations, gate order, weight layout and parameter names, over a batch of variable-length sequences.
/// Tensors are batch-first and row-major: input (B, T, I), output (B, T, D*H), states (L*D, B, H).
/// The layer is stateless between calls: a <see cref="RecurrentWorkspace"/> carries what a forward pass
/// saves for its backward pass, so one layer can serve several threads, each with its own workspace
/// (training updates the shared parameters and must not overlap with other calls).
/// </summary>
public sealed partial class RecurrentLayer
{
    private readonly ParameterInfo[] _weightIh;
    private readonly ParameterInfo[] _weightHh;
    private readonly ParameterInfo?[] _biasIh;
    private readonly ParameterInfo?[] _biasHh;
    private readonly string _prefix;

    /// <summary>Creates a layer and registers its parameters (zero-initialised; see <see cref="ResetParameters"/>).</summary>
    /// <param name="options">The layer's shape; validated.</param>
    /// <param name="parameters">The model's flat parameter buffer to register into; a new one when null.</param>
    /// <param name="namePrefix">Prefix of the parameter names in <paramref name="parameters"/>, e.g. <c>"lstm."</c>.</param>
    public RecurrentLayer(RecurrentLayerOptions options, ParameterSet? parameters = null, string namePrefix = "")
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(namePrefix);
        options.Validate();
        Options = options;
        Parameters = parameters ?? new ParameterSet();
        _prefix = namePrefix;
        int slots = options.NumLayers * options.NumDirections;
        _weightIh = new ParameterInfo[slots];
        _weightHh = new ParameterInfo[slots];
        _biasIh = new ParameterInfo?[slots];
        _biasHh = new ParameterInfo?[slots];
        var names = new List<string>();
        int gh = options.GateCount * options.HiddenSize;
        for (int k = 0; k < options.NumLayers; k++)
        {
            int inSize = k == 0 ? options.InputSize : options.NumDirections * options.HiddenSize;
            for (int d = 0; d < options.NumDirections; d++)
            {
                string suffix = $"_l{k}" + (d == 1 ? "_reverse" : "");
                int slot = k * options.NumDirections + d;
                _weightIh[slot] = Parameters.Add(namePrefix + "weight_ih" + suffix, gh, inSize);
                _weightHh[slot] = Parameters.Add(namePrefix + "weight_hh" + suffix, gh, options.HiddenSize);
                names.Add(_weightIh[slot].Name);
                names.Add(_weightHh[slot].Name);
                if (options.Bias)
                {
                    _biasIh[slot] = Parameters.Add(namePrefix + "bias_ih" + suffix, gh);
                    _biasHh[slot] = Parameters.Add(namePrefix + "bias_hh" + suffix, gh);
                    names.Add(_biasIh[slot]!.Name);
                    names.Add(_biasHh[slot]!.Name);
                }
            }
        }
        ParameterNames = names;
    }

    /// <summary>The layer's shape.</summary>
    public RecurrentLayerOptions Options { get; }

    /// <summary>The flat parameter buffer the layer's weights live in (shared with the rest of a model).</summary>
    public ParameterSet Parameters { get; }

    /// <summary>The layer's parameter names in PyTorch's order, with the name prefix.</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>Creates the reusable buffers for forward and backward passes (one per thread).</summary>
    public RecurrentWorkspace CreateWorkspace() => new(Options);

    /// <summary>
    /// PyTorch's default initialisation: every weight and bias uniform in [-1/sqrt(H), 1/sqrt(H)].
    /// </summary>
    /// <param name="random">The source of randomness (seed it for reproducible weights).</param>
    /// <param name="forgetGateBias">LSTM only: when not null, both forget-gate bias blocks are set so that they sum to this value.</param>
    public void ResetParameters(Random random, float? forgetGateBias = null)
    {
        ArgumentNullException.ThrowIfNull(random);
        float bound = 1f / MathF.Sqrt(Options.HiddenSize);
        foreach (string name in ParameterNames)
        {
            var values = Parameters.GetValues(name);
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)((random.NextDouble() * 2.0 - 1.0) * bound);
            }
        }
        if (forgetGateBias is float fb && Options.Cell == RecurrentCellKind.Lstm && Options.Bias)
        {
            int h = Options.HiddenSize;
            for (int slot = 0; slot < _biasIh.Length; slot++)
            {
                Parameters.GetValues(_biasIh[slot]!).Slice(h, h).Fill(fb);
                Parameters.GetValues(_biasHh[slot]!).Slice(h, h).Clear();
            }
        }
    }

    /// <summary>Copies weights in by PyTorch name (<c>weight_ih_l0</c>, <c>bias_hh_l1_reverse</c>, ...; without the prefix).</summary>
    /// <param name="weights">Every parameter of the layer, row-major, with its exact size. Extra names are an error.</param>
    /// <exception cref="ArgumentException">A parameter is missing, unknown or has the wrong number of values.</exception>
    public void ImportParameters(IReadOnlyDictionary<string, float[]> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        foreach (string key in weights.Keys)
        {
            if (!Parameters.Contains(_prefix + key) || !ParameterNames.Contains(_prefix + key))
            {
                throw new ArgumentException($"Unknown parameter '{key}'. This layer has: {string.Join(", ", ParameterNames.Select(n => n[_prefix.Length..]))}.", nameof(weights));
            }
        }
        foreach (string name in ParameterNames)
        {
            string key = name[_prefix.Length..];
            if (!weights.TryGetValue(key, out var values))
            {
                throw new ArgumentException($"Parameter '{key}' is missing. This layer needs: {string.Join(", ", ParameterNames.Select(n => n[_prefix.Length..]))}.", nameof(weights));
            }
            Parameters.SetValues(name, values);
        }
    }

    /// <summary>Copies the weights out by PyTorch name (without the prefix), row-major.</summary>
    public Dictionary<string, float[]> ExportParameters()
    {
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (string name in ParameterNames)
        {
            result[name[_prefix.Length..]] = Parameters.GetValues(name).ToArray();
        }
        return result;
    }

    // The prefix of the layer's names in its parameter set (e.g. "lstm." inside a model).
    internal string NamePrefix => _prefix;

    // Where the weights of one layer/direction slot (layer * NumDirections + direction) live; for single-step inference.
    internal ParameterInfo WeightIh(int slot) => _weightIh[slot];

    internal ParameterInfo WeightHh(int slot) => _weightHh[slot];

    internal ParameterInfo? BiasIh(int slot) => _biasIh[slot];

    internal ParameterInfo? BiasHh(int slot) => _biasHh[slot];

    private ReadOnlySpan<float> Bias(ParameterInfo? info) => info is null ? default : Parameters.GetValues(info);
}
