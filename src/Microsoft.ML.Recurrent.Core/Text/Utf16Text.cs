using System.Text;

namespace Microsoft.ML.Recurrent.Text;

/// <summary>Checks and repairs of UTF-16 well-formedness (lone surrogates).</summary>
internal static class Utf16Text
{
    /// <summary>Index of the first lone surrogate, or -1 when <paramref name="text"/> is well-formed UTF-16.</summary>
    public static int IndexOfIllFormed(ReadOnlySpan<char> text)
    {
        int i = 0;
        while (i < text.Length)
        {
            if (Rune.DecodeFromUtf16(text[i..], out _, out int consumed) != System.Buffers.OperationStatus.Done)
            {
                return i;
            }
            i += consumed;
        }
        return -1;
    }

    /// <summary>
    /// Returns <paramref name="text"/> unchanged when it is well-formed; otherwise a copy with every lone
    /// surrogate replaced by U+FFFD, which is what any UTF-8 round trip of the text would give.
    /// </summary>
    public static string Repair(string text)
    {
        int first = IndexOfIllFormed(text);
        if (first < 0)
        {
            return text;
        }
        var builder = new StringBuilder(text.Length);
        builder.Append(text, 0, first);
        int i = first;
        while (i < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i), out Rune rune, out int consumed);
            // On a lone surrogate DecodeFromUtf16 yields U+FFFD and consumes exactly that one char.
            builder.Append(rune.ToString());
            i += consumed;
        }
        return builder.ToString();
    }

    /// <summary>Single-char strings for ASCII, so character tokenization of plain text does not allocate per char.</summary>
    public static readonly string[] AsciiStrings = CreateAsciiStrings();

    private static string[] CreateAsciiStrings()
    {
        var strings = new string[128];
        for (int i = 0; i < strings.Length; i++)
        {
            strings[i] = ((char)i).ToString();
        }
        return strings;
    }
}
