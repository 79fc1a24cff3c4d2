using System.Globalization;
using System.Text;

namespace Microsoft.ML.Recurrent.Text;

/// <summary>
/// Splits text into Unicode characters — text elements (grapheme clusters) by default, or code points —
/// never into bytes or UTF-16 code units. <see cref="Detokenize"/> concatenates with no separator, so
/// every well-formed string round-trips exactly: "héllo 🙂 naïve" gives back "héllo 🙂 naïve".
/// Lone surrogates (ill-formed UTF-16) are replaced by U+FFFD first, as any UTF-8 round trip would do.
/// </summary>
public sealed class CharacterTokenizer : ITokenizer
{
    /// <summary>Creates a character tokenizer.</summary>
    /// <param name="unit">What one token is. Default: <see cref="CharacterUnit.TextElement"/>.</param>
    public CharacterTokenizer(CharacterUnit unit = CharacterUnit.TextElement)
    {
        if (unit is not (CharacterUnit.TextElement or CharacterUnit.CodePoint))
        {
            throw new ArgumentOutOfRangeException(nameof(unit), unit, "Allowed: TextElement or CodePoint.");
        }
        Unit = unit;
    }

    /// <summary>What one token is: a text element or a code point.</summary>
    public CharacterUnit Unit { get; }

    /// <inheritdoc/>
    public TokenizerKind Kind => TokenizerKind.Character;

    /// <inheritdoc/>
    public string[] Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = Utf16Text.Repair(text);
        var tokens = new List<string>(text.Length);
        if (Unit == CharacterUnit.CodePoint)
        {
            foreach (Rune rune in text.EnumerateRunes())
            {
                tokens.Add(rune.IsAscii ? Utf16Text.AsciiStrings[rune.Value] : rune.ToString());
            }
            return [.. tokens];
        }
        int start = 0;
        while (start < text.Length)
        {
            int length = StringInfo.GetNextTextElementLength(text, start);
            tokens.Add(length == 1 && text[start] < 128 ? Utf16Text.AsciiStrings[text[start]] : text.Substring(start, length));
            start += length;
        }
        return [.. tokens];
    }

    /// <inheritdoc/>
    public string Detokenize(IEnumerable<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var builder = new StringBuilder();
        foreach (string token in tokens)
        {
            ArgumentNullException.ThrowIfNull(token, nameof(tokens));
            builder.Append(token);
        }
        return builder.ToString();
    }

    /// <inheritdoc/>
    public void WriteTo(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Tokenizer.WriteRecord(writer, Kind, [(byte)Unit]);
    }

    /// <inheritdoc/>
    public override string ToString() => $"CharacterTokenizer(Unit={Unit})";
}
