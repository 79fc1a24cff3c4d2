// Reading the Tatoeba pair file, tokenising and the deterministic held-out split. torch_translation.py beside this file
// does exactly the same (its comments name these methods), so both models see the same tokens and the same split.
using System.Text.RegularExpressions;

/// <summary>English–French pairs: reading, word tokens and the validation split.</summary>
internal static partial class TranslationText
{
    /// <summary>Every <see cref="HoldOutEvery"/>-th distinct English sentence (numbered from 1 in order of first appearance) is held out.</summary>
    public const int HoldOutEvery = 50;

    /// <summary>The remainder of the number that selects a held-out sentence.</summary>
    public const int HoldOutRemainder = 7;

    /// <summary>
    /// Lower-cased word tokens, sacreBLEU's 13a rules: typographic spaces (U+00A0, U+202F, U+2009) become spaces and U+200B
    /// goes; U+2019 becomes an apostrophe; the text is lower-cased; ASCII punctuation other than . , ' - and « » … stand
    /// alone; . and , stand alone unless a digit follows or precedes them; a hyphen after a digit stands alone; then the
    /// text is split on whitespace. Apostrophes and other hyphens stay inside words (<c>j'ai</c>, <c>peut-être</c>).
    /// </summary>
    public static string[] Tokenize(string text)
    {
        string s = text.Replace('\u00A0', ' ').Replace('\u202F', ' ').Replace('\u2009', ' ').Replace("\u200B", "", StringComparison.Ordinal)
            .Replace('\u2019', '\'').ToLowerInvariant();
        s = " " + s + " ";
        s = Punctuation().Replace(s, " $1 ");
        s = PeriodCommaAfter().Replace(s, "$1 $2 ");
        s = PeriodCommaBefore().Replace(s, " $1 $2");
        s = DigitHyphen().Replace(s, "$1 $2 ");
        return s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The lines of a pair file as (English, French), in order.</summary>
    public static List<(string English, string French)> Read(string path)
    {
        var pairs = new List<(string, string)>();
        string[] lines = ExampleFiles.ReadLines(path);
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }
            string[] parts = lines[i].Split('\t');
            if (parts.Length != 2 || Tokenize(parts[0]).Length == 0 || Tokenize(parts[1]).Length == 0)
            {
                throw InputFileException.For(path, $"line {i + 1} is not 'English<TAB>French'");
            }
            pairs.Add((parts[0], parts[1]));
        }
        if (pairs.Count == 0)
        {
            throw InputFileException.For(path, "has no sentence pairs; expected 'English<TAB>French' lines");
        }
        return pairs;
    }

    /// <summary>
    /// Splits by English sentence (exact text), so that the translations of one sentence are never on both sides: the
    /// distinct English sentences are numbered 1, 2, ... in order of first appearance and those whose number leaves
    /// <see cref="HoldOutRemainder"/> when divided by <see cref="HoldOutEvery"/> are held out.
    /// </summary>
    public static (List<(string English, string French)> Train, List<(string English, string French)> HeldOut) Split(List<(string English, string French)> pairs)
    {
        var numbers = new Dictionary<string, int>(StringComparer.Ordinal);
        var train = new List<(string, string)>();
        var held = new List<(string, string)>();
        foreach (var pair in pairs)
        {
            if (!numbers.TryGetValue(pair.English, out int number))
            {
                number = numbers.Count + 1;
                numbers.Add(pair.English, number);
            }
            (number % HoldOutEvery == HoldOutRemainder ? held : train).Add(pair);
        }
        return (train, held);
    }

    /// <summary>The held-out pairs grouped by English sentence (first-appearance order): the source and every reference.</summary>
    public static List<(string English, List<string[]> References)> Group(List<(string English, string French)> pairs) =>
        [.. pairs.GroupBy(p => p.English, StringComparer.Ordinal).Select(g => (g.Key, g.Select(p => Tokenize(p.French)).ToList()))];

    [GeneratedRegex(@"([{|}~\[\\\]^_`!""#$%&()*+:;<=>?@/«»…])")]
    private static partial Regex Punctuation();

    [GeneratedRegex(@"([^0-9])([.,])")]
    private static partial Regex PeriodCommaAfter();

    [GeneratedRegex(@"([.,])([^0-9])")]
    private static partial Regex PeriodCommaBefore();

    [GeneratedRegex(@"([0-9])(-)")]
    private static partial Regex DigitHyphen();
}
