namespace Microsoft.ML.Recurrent.Text;

/// <summary>Building a vocabulary from data or from a token list.</summary>
public sealed partial class Vocabulary
{
    /// <summary>
    /// Builds a vocabulary from tokenized data: counts every token, keeps those occurring at least
    /// <see cref="VocabularyOptions.MinCount"/> times, most frequent first (ties in ordinal string order), up to
    /// <see cref="VocabularyOptions.MaxSize"/> ids in all. A data token equal to the text of a special token the
    /// vocabulary has (for example "&lt;unk&gt;") is that special token.
    /// </summary>
    /// <param name="tokenSequences">The tokenized data; no null sequence, no null, empty or ill-formed (lone surrogate) token.</param>
    /// <param name="options">The options; null means the defaults.</param>
    /// <returns>The vocabulary.</returns>
    public static Vocabulary Build(IEnumerable<IEnumerable<string>> tokenSequences, VocabularyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tokenSequences);
        options ??= new VocabularyOptions();
        SpecialTokens specials = ValidateSpecials(options.SpecialTokens, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MinCount, 1, $"{nameof(options)}.{nameof(VocabularyOptions.MinCount)}");
        string[] specialTexts = SpecialTexts(specials);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSize, specialTexts.Length,
            $"{nameof(options)}.{nameof(VocabularyOptions.MaxSize)} (must hold the {specialTexts.Length} special tokens)");

        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (IEnumerable<string> sequence in tokenSequences)
        {
            if (sequence is null)
            {
                throw new ArgumentException("A token sequence is null.", nameof(tokenSequences));
            }
            foreach (string token in sequence)
            {
                CheckToken(token, nameof(tokenSequences));
                counts[token] = counts.GetValueOrDefault(token) + 1;
            }
        }
        foreach (string special in specialTexts)
        {
            counts.Remove(special);
        }
        List<KeyValuePair<string, long>> kept = [.. counts.Where(pair => pair.Value >= options.MinCount)];
        kept.Sort((a, b) => a.Value != b.Value ? b.Value.CompareTo(a.Value) : string.CompareOrdinal(a.Key, b.Key));
        int dataCount = (int)Math.Min(kept.Count, (long)options.MaxSize - specialTexts.Length);
        return Create(specialTexts, kept.Take(dataCount).Select(pair => pair.Key), specials, nameof(tokenSequences));
    }

    /// <summary>
    /// Creates a vocabulary with the given data tokens in the given order, after the special tokens.
    /// </summary>
    /// <param name="dataTokens">Distinct, non-null, non-empty, well-formed tokens, none equal to the text of a present special token.</param>
    /// <param name="specialTokens">Which special tokens come first. Default: all four.</param>
    /// <returns>The vocabulary.</returns>
    public static Vocabulary FromTokens(IEnumerable<string> dataTokens, SpecialTokens specialTokens = SpecialTokens.All)
    {
        ArgumentNullException.ThrowIfNull(dataTokens);
        SpecialTokens specials = ValidateSpecials(specialTokens, nameof(specialTokens));
        return Create(SpecialTexts(specials), dataTokens, specials, nameof(dataTokens));
    }

    private static SpecialTokens ValidateSpecials(SpecialTokens specials, string paramName)
    {
        if ((specials & ~SpecialTokens.All) != 0)
        {
            throw new ArgumentOutOfRangeException(paramName, specials, "Special tokens may only combine Pad, Unknown, BeginOfSequence and EndOfSequence.");
        }
        return specials;
    }

    private static string[] SpecialTexts(SpecialTokens specials)
    {
        var texts = new List<string>(4);
        if (specials.HasFlag(SpecialTokens.Pad)) texts.Add(PadToken);
        if (specials.HasFlag(SpecialTokens.Unknown)) texts.Add(UnknownToken);
        if (specials.HasFlag(SpecialTokens.BeginOfSequence)) texts.Add(BeginToken);
        if (specials.HasFlag(SpecialTokens.EndOfSequence)) texts.Add(EndToken);
        return [.. texts];
    }

    private static void CheckToken(string token, string paramName)
    {
        if (string.IsNullOrEmpty(token))
        {
            throw new ArgumentException($"Tokens must be non-empty strings; got {(token is null ? "null" : "an empty string")}.", paramName);
        }
        int bad = Utf16Text.IndexOfIllFormed(token);
        if (bad >= 0)
        {
            throw new ArgumentException($"Token \"{token}\" has a lone surrogate U+{(int)token[bad]:X4} at index {bad}; tokens must be well-formed UTF-16.", paramName);
        }
    }

    private static Vocabulary Create(string[] specialTexts, IEnumerable<string> dataTokens, SpecialTokens specials, string paramName)
    {
        var tokens = new List<string>(specialTexts);
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string token in specialTexts.Concat(dataTokens))
        {
            CheckToken(token, paramName);
            if (!ids.TryAdd(token, ids.Count))
            {
                throw new ArgumentException($"Token \"{token}\" occurs twice (or is the text of a special token).", paramName);
            }
            if (ids.Count > specialTexts.Length)
            {
                tokens.Add(token);
            }
        }
        return new Vocabulary([.. tokens], ids, specials);
    }
}
