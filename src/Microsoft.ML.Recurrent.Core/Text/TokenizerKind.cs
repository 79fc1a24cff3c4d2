namespace Microsoft.ML.Recurrent.Text;

/// <summary>Which tokenizer a saved model used, so that it can be recreated with <see cref="Tokenizer.ReadFrom"/>.</summary>
public enum TokenizerKind
{
    /// <summary>A <see cref="CharacterTokenizer"/>: one token per character (text element or code point).</summary>
    Character = 1,

    /// <summary>A <see cref="WordTokenizer"/>: words, numbers and punctuation split on Unicode whitespace.</summary>
    Word = 2,
}
