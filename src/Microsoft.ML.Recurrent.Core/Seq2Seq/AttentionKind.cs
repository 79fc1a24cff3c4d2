namespace Microsoft.ML.Recurrent.Seq2Seq;

/// <summary>How a <see cref="Seq2SeqModel"/>'s decoder scores the encoder's outputs at each step.</summary>
public enum AttentionKind
{
    /// <summary>No attention: the decoder sees the source only through its initial state (and one-to-many models have no source).</summary>
    None,

    /// <summary>Additive (Bahdanau) scores, <c>score(h, e) = v · tanh(W_q h + U e + b)</c>, with the current decoder state as the query.</summary>
    Additive,

    /// <summary>Multiplicative "general" (Luong) scores, <c>score(h, e) = h · (W_a e)</c>.</summary>
    General,
}
