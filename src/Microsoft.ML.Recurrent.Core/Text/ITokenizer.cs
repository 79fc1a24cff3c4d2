namespace Microsoft.ML.Recurrent.Text;

/// <summary>
/// Splits text into string tokens and joins tokens back into text. Implementations are immutable and
/// thread-safe, and save their options with <see cref="WriteTo"/> so that <see cref="Tokenizer.ReadFrom"/>
/// can recreate them from a model file.
/// </summary>
public interface ITokenizer
{
    /// <summary>Which tokenizer this is; the first field of its saved form.</summary>
    TokenizerKind Kind { get; }

    /// <summary>Splits <paramref name="text"/> into tokens. The empty string gives an empty array; no token is empty.</summary>
    /// <param name="text">The text to split; not null.</param>
    /// <returns>The tokens in text order.</returns>
    string[] Tokenize(string text);

    /// <summary>Joins tokens back into text: the inverse of <see cref="Tokenize"/> as far as the tokenizer allows.</summary>
    /// <param name="tokens">The tokens to join; not null, no null element.</param>
    /// <returns>The joined text.</returns>
    string Detokenize(IEnumerable<string> tokens);

    /// <summary>Writes the tokenizer's kind and options as one checksummed binary record.</summary>
    /// <param name="writer">The destination; not null.</param>
    void WriteTo(BinaryWriter writer);
}
