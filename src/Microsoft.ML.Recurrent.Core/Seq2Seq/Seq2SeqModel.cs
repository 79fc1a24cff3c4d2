using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.Seq2Seq;

/// <summary>
/// An encoder–decoder (sequence-to-sequence) model with attention, for text-to-text tasks (transliteration, grapheme to
/// phoneme, translation) and, without a source, for one-to-many generation from a feature vector. See docs/seq2seq.md for
/// the equations. Parameters live in one <see cref="ParameterSet"/>; train it with <see cref="Seq2SeqTrainer"/>, decode
/// with <c>Decode</c>. Decoding and loss evaluation may run on several threads at once; training must not overlap
/// with any other call.
/// </summary>
public sealed partial class Seq2SeqModel
{
    private readonly ParameterInfo? _sourceEmbedding;
    private readonly ParameterInfo _targetEmbedding;
    private readonly ParameterInfo[] _bridgeHidden = [];
    private readonly ParameterInfo[] _bridgeHiddenBias = [];
    private readonly ParameterInfo[] _bridgeCell = [];
    private readonly ParameterInfo[] _bridgeCellBias = [];
    private readonly ParameterInfo? _attentionQuery;   // additive W_q (A, Hd)
    private readonly ParameterInfo? _attentionKey;     // additive U (A, De); general W_a (Hd, De)
    private readonly ParameterInfo? _attentionBias;    // additive b (A)
    private readonly ParameterInfo? _attentionVector;  // additive v (A)
    private readonly ParameterInfo? _combine;          // W_c (Hd, De + Hd)
    private readonly ParameterInfo? _combineBias;      // b_c (Hd)
    private readonly ParameterInfo _output;            // W_o (V, Hd)
    private readonly ParameterInfo _outputBias;        // b_o (V)

    /// <summary>Creates a model with PyTorch-style random initial weights.</summary>
    /// <param name="options">The shape; validated.</param>
    /// <param name="sourceVocabulary">The source tokens; null for a one-to-many model (no encoder; attention must be None).</param>
    /// <param name="targetVocabulary">The target tokens; must have BOS and EOS.</param>
    /// <param name="seed">Seed of the initial weights.</param>
    /// <exception cref="ArgumentException">The vocabularies and options do not fit together.</exception>
    public Seq2SeqModel(Seq2SeqOptions options, Vocabulary? sourceVocabulary, Vocabulary targetVocabulary, int seed = 0)
        : this(options, sourceVocabulary, targetVocabulary)
    {
        ResetParameters(new Random(seed));
    }

    private Seq2SeqModel(Seq2SeqOptions options, Vocabulary? sourceVocabulary, Vocabulary targetVocabulary)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(targetVocabulary);
        options.Validate();
        if (targetVocabulary.BeginId < 0 || targetVocabulary.EndId < 0)
        {
            throw new ArgumentException("The target vocabulary needs BOS and EOS special tokens (SpecialTokens.BeginOfSequence | EndOfSequence).", nameof(targetVocabulary));
        }
        if (sourceVocabulary is null && options.Attention != AttentionKind.None)
        {
            throw new ArgumentException("A model without a source vocabulary has nothing to attend to: set Attention to None.", nameof(options));
        }
        Options = options;
        SourceVocabulary = sourceVocabulary;
        TargetVocabulary = targetVocabulary;
        Parameters = new ParameterSet();
        var o = options;
        int hd = o.DecoderHiddenSize, de = o.EncoderOutputSize;
        if (sourceVocabulary is not null)
        {
            _sourceEmbedding = Parameters.Add("source_embedding.weight", sourceVocabulary.Count, o.SourceEmbeddingSize);
            Encoder = new RecurrentLayer(new RecurrentLayerOptions
            {
                Cell = o.EncoderCell, InputSize = o.SourceEmbeddingSize, HiddenSize = o.EncoderHiddenSize,
                NumLayers = o.EncoderLayers, Bidirectional = o.Bidirectional,
            }, Parameters, "encoder.");
        }
        BridgeInputSize = (sourceVocabulary is null ? 0 : de) + o.FeatureSize;
        if (BridgeInputSize > 0)
        {
            bool cell = o.DecoderCell == RecurrentCellKind.Lstm;
            _bridgeHidden = new ParameterInfo[o.DecoderLayers];
            _bridgeHiddenBias = new ParameterInfo[o.DecoderLayers];
            _bridgeCell = new ParameterInfo[cell ? o.DecoderLayers : 0];
            _bridgeCellBias = new ParameterInfo[cell ? o.DecoderLayers : 0];
            for (int l = 0; l < o.DecoderLayers; l++)
            {
                _bridgeHidden[l] = Parameters.Add($"bridge.hidden_l{l}.weight", hd, BridgeInputSize);
                _bridgeHiddenBias[l] = Parameters.Add($"bridge.hidden_l{l}.bias", hd);
                if (cell)
                {
                    _bridgeCell[l] = Parameters.Add($"bridge.cell_l{l}.weight", hd, BridgeInputSize);
                    _bridgeCellBias[l] = Parameters.Add($"bridge.cell_l{l}.bias", hd);
                }
            }
        }
        _targetEmbedding = Parameters.Add("target_embedding.weight", targetVocabulary.Count, o.TargetEmbeddingSize);
        Decoder = new RecurrentLayer(new RecurrentLayerOptions
        {
            Cell = o.DecoderCell, InputSize = o.TargetEmbeddingSize + (o.FeedsInput ? hd : 0), HiddenSize = hd, NumLayers = o.DecoderLayers,
        }, Parameters, "decoder.");
        switch (o.Attention)
        {
            case AttentionKind.Additive:
                _attentionQuery = Parameters.Add("attention.query.weight", o.AttentionSize, hd);
                _attentionKey = Parameters.Add("attention.key.weight", o.AttentionSize, de);
                _attentionBias = Parameters.Add("attention.key.bias", o.AttentionSize);
                _attentionVector = Parameters.Add("attention.v", o.AttentionSize);
                break;
            case AttentionKind.General:
                _attentionKey = Parameters.Add("attention.weight", hd, de);
                break;
        }
        if (o.Attention != AttentionKind.None)
        {
            _combine = Parameters.Add("combine.weight", hd, de + hd);
            _combineBias = Parameters.Add("combine.bias", hd);
        }
        _output = Parameters.Add("output.weight", targetVocabulary.Count, hd);
        _outputBias = Parameters.Add("output.bias", targetVocabulary.Count);
    }

    /// <summary>The model's shape.</summary>
    public Seq2SeqOptions Options { get; }

    /// <summary>The source tokens, or null for a one-to-many model.</summary>
    public Vocabulary? SourceVocabulary { get; }

    /// <summary>The target tokens (with BOS and EOS).</summary>
    public Vocabulary TargetVocabulary { get; }

    /// <summary>Every weight of the model, in one flat buffer.</summary>
    public ParameterSet Parameters { get; }

    internal RecurrentLayer? Encoder { get; }

    /// <summary>
    /// Whether a pass packs the decoder's weights once per batch or decode call (true, the default) rather than at every
    /// step; the results are bit-identical (tested), so this exists only for that test and for profiling.
    /// </summary>
    internal bool CacheDecoderPacks { get; set; } = true;

    internal RecurrentLayer Decoder { get; }

    /// <summary>Width of the bridge's input: the encoder's top final states (both directions) and the features.</summary>
    internal int BridgeInputSize { get; }

    internal int TargetCount => TargetVocabulary.Count;

    /// <summary>Width of one attention key: the decoder size (general) or the attention size (additive).</summary>
    internal int KeySize => Options.Attention == AttentionKind.Additive ? Options.AttentionSize : Options.DecoderHiddenSize;

    /// <summary>
    /// New random weights: embeddings N(0, 1) as <c>nn.Embedding</c>, recurrent layers and linear maps uniform in
    /// ±1/sqrt(fan-in) as <c>nn.LSTM</c> and <c>nn.Linear</c>.
    /// </summary>
    /// <param name="random">The source of randomness.</param>
    public void ResetParameters(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var o = Options;
        if (_sourceEmbedding is not null)
        {
            Normal(random, Parameters.GetValues(_sourceEmbedding));
        }
        Encoder?.ResetParameters(random);
        for (int l = 0; l < _bridgeHidden.Length; l++)
        {
            Uniform(random, BridgeInputSize, _bridgeHidden[l], _bridgeHiddenBias[l]);
            if (_bridgeCell.Length > 0)
            {
                Uniform(random, BridgeInputSize, _bridgeCell[l], _bridgeCellBias[l]);
            }
        }
        Normal(random, Parameters.GetValues(_targetEmbedding));
        Decoder.ResetParameters(random);
        if (o.Attention == AttentionKind.Additive)
        {
            Uniform(random, o.DecoderHiddenSize, _attentionQuery!);
            Uniform(random, o.EncoderOutputSize, _attentionKey!, _attentionBias);
            Uniform(random, o.AttentionSize, _attentionVector!);
        }
        else if (o.Attention == AttentionKind.General)
        {
            Uniform(random, o.EncoderOutputSize, _attentionKey!);
        }
        if (_combine is not null)
        {
            Uniform(random, o.EncoderOutputSize + o.DecoderHiddenSize, _combine, _combineBias);
        }
        Uniform(random, o.DecoderHiddenSize, _output, _outputBias);
    }

    private void Uniform(Random random, int fanIn, ParameterInfo weight, ParameterInfo? bias = null)
    {
        float bound = 1f / MathF.Sqrt(fanIn);
        foreach (var info in bias is null ? [weight] : new[] { weight, bias })
        {
            var values = Parameters.GetValues(info);
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)((random.NextDouble() * 2 - 1) * bound);
            }
        }
    }

    private static void Normal(Random random, Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            values[i] = (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
    }

    private Span<float> W(ParameterInfo info) => Parameters.GetValues(info);

    private Span<float> G(ParameterInfo info) => Parameters.GetGradients(info);
}
