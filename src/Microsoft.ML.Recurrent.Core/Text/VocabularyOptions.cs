namespace Microsoft.ML.Recurrent.Text;

/// <summary>Options of <see cref="Vocabulary.Build"/>.</summary>
public sealed class VocabularyOptions
{
    /// <summary>A token must occur at least this many times to get an id. Default: 1. Allowed: 1 or more.</summary>
    public int MinCount { get; set; } = 1;

    /// <summary>
    /// The largest <see cref="Vocabulary.Count"/>, special tokens included (so it is the embedding and output
    /// size). The most frequent tokens are kept; equal counts are ordered by ordinal string comparison.
    /// Default: <see cref="int.MaxValue"/> (no limit). Allowed: at least the number of special tokens.
    /// </summary>
    public int MaxSize { get; set; } = int.MaxValue;

    /// <summary>Which special tokens to reserve the first ids for. Default: <see cref="SpecialTokens.All"/>.</summary>
    public SpecialTokens SpecialTokens { get; set; } = SpecialTokens.All;
}
