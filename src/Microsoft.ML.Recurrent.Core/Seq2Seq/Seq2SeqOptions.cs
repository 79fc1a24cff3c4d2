using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Seq2Seq;

/// <summary>
/// The shape of a <see cref="Seq2SeqModel"/>: an embedding and a stacked (optionally bidirectional) recurrent encoder, a
/// bridge from the encoder's final states (and optional features) to the decoder's initial states, attention with input
/// feeding, a stacked recurrent decoder and a softmax over the target vocabulary. The vocabulary sizes come from the
/// vocabularies given to the model.
/// </summary>
public sealed record Seq2SeqOptions
{
    /// <summary>Width of the source token embedding. Default 64; allowed 1 to 4096.</summary>
    public int SourceEmbeddingSize { get; init; } = 64;

    /// <summary>Width of the target token embedding. Default 64; allowed 1 to 4096.</summary>
    public int TargetEmbeddingSize { get; init; } = 64;

    /// <summary>The encoder's cell. Default LSTM.</summary>
    public RecurrentCellKind EncoderCell { get; init; } = RecurrentCellKind.Lstm;

    /// <summary>Hidden size of each encoder direction. Default 256; allowed 1 to 4096.</summary>
    public int EncoderHiddenSize { get; init; } = 256;

    /// <summary>Stacked encoder layers. Default 1; allowed 1 to 8.</summary>
    public int EncoderLayers { get; init; } = 1;

    /// <summary>Whether the encoder reads the source both ways (its outputs are then 2 * <see cref="EncoderHiddenSize"/> wide). Default true.</summary>
    public bool Bidirectional { get; init; } = true;

    /// <summary>The decoder's cell. Default LSTM.</summary>
    public RecurrentCellKind DecoderCell { get; init; } = RecurrentCellKind.Lstm;

    /// <summary>Hidden size of the decoder. Default 256; allowed 1 to 4096.</summary>
    public int DecoderHiddenSize { get; init; } = 256;

    /// <summary>Stacked decoder layers. Default 1; allowed 1 to 8.</summary>
    public int DecoderLayers { get; init; } = 1;

    /// <summary>The attention. Default <see cref="AttentionKind.General"/>; must be <see cref="AttentionKind.None"/> without a source.</summary>
    public AttentionKind Attention { get; init; } = AttentionKind.General;

    /// <summary>Width of the additive attention's hidden layer (ignored otherwise). Default 128; allowed 1 to 4096.</summary>
    public int AttentionSize { get; init; } = 128;

    /// <summary>
    /// Whether each decoder step also receives the previous step's attentional state (Luong's input feeding). Default true;
    /// only with attention.
    /// </summary>
    public bool InputFeeding { get; init; } = true;

    /// <summary>
    /// Length of a feature vector per example that also feeds the bridge to the decoder's initial states (one-to-many
    /// generation when there is no source). Default 0 (none); allowed 0 to 65536.
    /// </summary>
    public int FeatureSize { get; init; }

    /// <summary>Throws when a value is outside its allowed range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        Range(SourceEmbeddingSize, 1, 4096, nameof(SourceEmbeddingSize));
        Range(TargetEmbeddingSize, 1, 4096, nameof(TargetEmbeddingSize));
        Range(EncoderHiddenSize, 1, 4096, nameof(EncoderHiddenSize));
        Range(EncoderLayers, 1, 8, nameof(EncoderLayers));
        Range(DecoderHiddenSize, 1, 4096, nameof(DecoderHiddenSize));
        Range(DecoderLayers, 1, 8, nameof(DecoderLayers));
        Range(AttentionSize, 1, 4096, nameof(AttentionSize));
        Range(FeatureSize, 0, 65536, nameof(FeatureSize));
        if (!Enum.IsDefined(EncoderCell))
        {
            throw new ArgumentOutOfRangeException(nameof(EncoderCell), EncoderCell, "EncoderCell must be RnnTanh, RnnRelu, Lstm or Gru.");
        }
        if (!Enum.IsDefined(DecoderCell))
        {
            throw new ArgumentOutOfRangeException(nameof(DecoderCell), DecoderCell, "DecoderCell must be RnnTanh, RnnRelu, Lstm or Gru.");
        }
        if (!Enum.IsDefined(Attention))
        {
            throw new ArgumentOutOfRangeException(nameof(Attention), Attention, "Attention must be None, Additive or General.");
        }
    }

    /// <summary>Width of the encoder's outputs: the attention's memory.</summary>
    internal int EncoderOutputSize => (Bidirectional ? 2 : 1) * EncoderHiddenSize;

    /// <summary>Whether the decoder's input carries the previous attentional state.</summary>
    internal bool FeedsInput => InputFeeding && Attention != AttentionKind.None;

    private static void Range(int value, int min, int max, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, min, name);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, max, name);
    }
}
