using System.Globalization;
using System.Text;

namespace Microsoft.ML.Recurrent.Text;

/// <summary>
/// Splits text into words on Unicode whitespace (<see cref="Rune.IsWhiteSpace"/>: spaces, tabs, line breaks,
/// U+00A0, U+0085, U+2028 ...), with optional culture-invariant lower-casing and a choice of
/// <see cref="PunctuationHandling"/>. Numbers stay whole tokens ("42", "3.14", "1,000").
/// <see cref="Detokenize"/> joins with single spaces, so the round trip normalises whitespace and
/// spacing around punctuation. Lone surrogates (ill-formed UTF-16) are replaced by U+FFFD first.
/// </summary>
public sealed class WordTokenizer : ITokenizer
{
    /// <summary>Creates a word tokenizer.</summary>
    /// <param name="options">The options; null means the defaults (lower-case, split punctuation).</param>
    public WordTokenizer(WordTokenizerOptions? options = null)
    {
        options ??= new WordTokenizerOptions();
        if (options.Punctuation is not (PunctuationHandling.Split or PunctuationHandling.Drop or PunctuationHandling.Attach))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Punctuation,
                $"{nameof(WordTokenizerOptions.Punctuation)} must be Split, Drop or Attach.");
        }
        LowerCase = options.LowerCase;
        Punctuation = options.Punctuation;
    }

    /// <summary>Whether text is lower-cased (culture-invariantly) before it is split.</summary>
    public bool LowerCase { get; }

    /// <summary>What happens to punctuation.</summary>
    public PunctuationHandling Punctuation { get; }

    /// <inheritdoc/>
    public TokenizerKind Kind => TokenizerKind.Word;

    /// <inheritdoc/>
    public string[] Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = Utf16Text.Repair(text);
        if (LowerCase)
        {
            text = text.ToLowerInvariant();
        }
        var tokens = new List<string>();
        int wordStart = -1;
        int i = 0;
        while (i < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i), out Rune rune, out int length);
            bool separator = Rune.IsWhiteSpace(rune);
            bool punctuation = !separator && Punctuation != PunctuationHandling.Attach
                && IsPunctuation(rune) && !IsInsideWord(text, i, length, rune);
            if (separator || punctuation)
            {
                if (wordStart >= 0)
                {
                    tokens.Add(text[wordStart..i]);
                    wordStart = -1;
                }
                if (punctuation && Punctuation == PunctuationHandling.Split)
                {
                    tokens.Add(text.Substring(i, length));
                }
            }
            else if (wordStart < 0)
            {
                wordStart = i;
            }
            i += length;
        }
        if (wordStart >= 0)
        {
            tokens.Add(text[wordStart..]);
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
            if (builder.Length > 0)
            {
                builder.Append(' ');
            }
            builder.Append(token);
        }
        return builder.ToString();
    }

    /// <inheritdoc/>
    public void WriteTo(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Tokenizer.WriteRecord(writer, Kind, [LowerCase ? (byte)1 : (byte)0, (byte)Punctuation]);
    }

    /// <inheritdoc/>
    public override string ToString() => $"WordTokenizer(LowerCase={LowerCase}, Punctuation={Punctuation})";

    private static bool IsPunctuation(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
            or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation
            or UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol => true,
        _ => false,
    };

    // '.' or ',' between digits ("3.14", "1,000") and an apostrophe between letters ("don't") belong to the word.
    private static bool IsInsideWord(string text, int index, int length, Rune rune)
    {
        bool numberSeparator = rune.Value is '.' or ',';
        bool apostrophe = rune.Value is '\'' or '\u2019';
        if ((!numberSeparator && !apostrophe) || index == 0 || index + length >= text.Length)
        {
            return false;
        }
        Rune.DecodeLastFromUtf16(text.AsSpan(0, index), out Rune previous, out _);
        Rune.DecodeFromUtf16(text.AsSpan(index + length), out Rune next, out _);
        return numberSeparator
            ? Rune.IsDigit(previous) && Rune.IsDigit(next)
            : IsLetterOrMark(previous) && Rune.IsLetter(next);
    }

    private static bool IsLetterOrMark(Rune rune) => Rune.IsLetter(rune)
        || Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;
}
