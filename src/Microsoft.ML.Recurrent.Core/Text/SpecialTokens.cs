namespace Microsoft.ML.Recurrent.Text;

/// <summary>
/// Which special tokens a <see cref="Vocabulary"/> has. Those present take the first ids, in this order:
/// PAD, UNK, BOS, EOS (with all four: PAD=0, UNK=1, BOS=2, EOS=3); data tokens follow.
/// </summary>
[Flags]
#pragma warning disable CA1711 // "Tokens" is the domain word, not a collection suffix mistake.
public enum SpecialTokens
#pragma warning restore CA1711
{
    /// <summary>No special tokens: ids start with data tokens, and unknown tokens cannot be encoded.</summary>
    None = 0,

    /// <summary>Padding (<see cref="Vocabulary.PadToken"/>) for batches of sequences of unequal length.</summary>
    Pad = 1,

    /// <summary>Unknown (<see cref="Vocabulary.UnknownToken"/>): what every token outside the vocabulary encodes to.</summary>
    Unknown = 2,

    /// <summary>Beginning of sequence (<see cref="Vocabulary.BeginToken"/>).</summary>
    BeginOfSequence = 4,

    /// <summary>End of sequence (<see cref="Vocabulary.EndToken"/>).</summary>
    EndOfSequence = 8,

    /// <summary>All four: PAD=0, UNK=1, BOS=2, EOS=3.</summary>
    All = Pad | Unknown | BeginOfSequence | EndOfSequence,
}
