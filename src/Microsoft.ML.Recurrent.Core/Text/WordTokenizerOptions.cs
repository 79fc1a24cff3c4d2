namespace Microsoft.ML.Recurrent.Text;

/// <summary>Options of a <see cref="WordTokenizer"/>. The tokenizer copies them when it is created.</summary>
public sealed class WordTokenizerOptions
{
    /// <summary>Lower-case the text first, culture-invariantly (<see cref="string.ToLowerInvariant"/>). Default: true.</summary>
    public bool LowerCase { get; set; } = true;

    /// <summary>What to do with punctuation. Default: <see cref="PunctuationHandling.Split"/>.</summary>
    public PunctuationHandling Punctuation { get; set; } = PunctuationHandling.Split;
}
