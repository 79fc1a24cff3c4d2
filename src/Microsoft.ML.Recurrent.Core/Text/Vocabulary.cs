namespace Microsoft.ML.Recurrent.Text;

/// <summary>
/// A bijection between string tokens and ids 0..<see cref="Count"/>-1. Special tokens come first
/// (see <see cref="Text.SpecialTokens"/>), then data tokens, most frequent first. Immutable and thread-safe.
/// Tokens are compared ordinally. Unknown tokens encode to UNK and never throw; a vocabulary built
/// without UNK throws an <see cref="ArgumentException"/> naming the unknown token instead.
/// </summary>
public sealed partial class Vocabulary : IEquatable<Vocabulary>
{
    /// <summary>The padding token's text.</summary>
    public const string PadToken = "<pad>";

    /// <summary>The unknown token's text.</summary>
    public const string UnknownToken = "<unk>";

    /// <summary>The beginning-of-sequence token's text.</summary>
    public const string BeginToken = "<bos>";

    /// <summary>The end-of-sequence token's text.</summary>
    public const string EndToken = "<eos>";

    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids;

    // tokens: the specials of `specials` in order, then distinct, non-empty, well-formed data tokens (checked by callers).
    private Vocabulary(string[] tokens, Dictionary<string, int> ids, SpecialTokens specials)
    {
        _tokens = tokens;
        _ids = ids;
        SpecialTokens = specials;
        int next = 0;
        PadId = specials.HasFlag(SpecialTokens.Pad) ? next++ : -1;
        UnknownId = specials.HasFlag(SpecialTokens.Unknown) ? next++ : -1;
        BeginId = specials.HasFlag(SpecialTokens.BeginOfSequence) ? next++ : -1;
        EndId = specials.HasFlag(SpecialTokens.EndOfSequence) ? next++ : -1;
        SpecialCount = next;
    }

    /// <summary>Which special tokens this vocabulary has.</summary>
    public SpecialTokens SpecialTokens { get; }

    /// <summary>The number of tokens, special tokens included: the embedding and output size.</summary>
    public int Count => _tokens.Length;

    /// <summary>The number of special tokens; they have ids 0..<see cref="SpecialCount"/>-1.</summary>
    public int SpecialCount { get; }

    /// <summary>The id of PAD, or -1 when the vocabulary has none.</summary>
    public int PadId { get; }

    /// <summary>The id of UNK, or -1 when the vocabulary has none.</summary>
    public int UnknownId { get; }

    /// <summary>The id of BOS, or -1 when the vocabulary has none.</summary>
    public int BeginId { get; }

    /// <summary>The id of EOS, or -1 when the vocabulary has none.</summary>
    public int EndId { get; }

    /// <summary>All tokens in id order.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

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

    /// <summary>Whether <paramref name="token"/> has an id (special tokens included).</summary>
    /// <param name="token">The token; not null.</param>
    /// <returns>True when the token is in the vocabulary.</returns>
    public bool Contains(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _ids.ContainsKey(token);
    }

    /// <summary>Looks up a token without falling back to UNK.</summary>
    /// <param name="token">The token; not null.</param>
    /// <param name="id">The token's id, or -1 when it is not in the vocabulary.</param>
    /// <returns>True when the token is in the vocabulary.</returns>
    public bool TryGetId(string token, out int id)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (_ids.TryGetValue(token, out id))
        {
            return true;
        }
        id = -1;
        return false;
    }

    /// <summary>The id of <paramref name="token"/>, or <see cref="UnknownId"/> when it is not in the vocabulary.</summary>
    /// <param name="token">The token; not null.</param>
    /// <returns>The id.</returns>
    /// <exception cref="ArgumentException">The token is unknown and the vocabulary has no UNK.</exception>
    public int GetId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (_ids.TryGetValue(token, out int id))
        {
            return id;
        }
        if (UnknownId >= 0)
        {
            return UnknownId;
        }
        throw new ArgumentException($"Token \"{token}\" is not in the vocabulary, which has no UNK token to map it to.", nameof(token));
    }

    /// <summary>The token with id <paramref name="id"/>.</summary>
    /// <param name="id">The id, 0..<see cref="Count"/>-1.</param>
    /// <returns>The token.</returns>
    public string GetToken(int id)
    {
        if ((uint)id >= (uint)_tokens.Length)
        {
            throw OutOfRange(id, nameof(id), -1);
        }
        return _tokens[id];
    }

    /// <summary>Whether <paramref name="id"/> is one of the special tokens.</summary>
    /// <param name="id">An id.</param>
    /// <returns>True for 0..<see cref="SpecialCount"/>-1.</returns>
    public bool IsSpecial(int id) => id >= 0 && id < SpecialCount;

    /// <summary>Encodes a token sequence; unknown tokens become UNK (see <see cref="GetId"/>).</summary>
    /// <param name="tokens">The tokens; not null, no null element.</param>
    /// <returns>One id per token.</returns>
    public int[] Encode(IEnumerable<string> tokens) => Encode(tokens, addBegin: false, addEnd: false);

    /// <summary>Encodes a token sequence, optionally framed by BOS and EOS.</summary>
    /// <param name="tokens">The tokens; not null, no null element.</param>
    /// <param name="addBegin">Put BOS first (the vocabulary must have it).</param>
    /// <param name="addEnd">Put EOS last (the vocabulary must have it).</param>
    /// <returns>The ids.</returns>
    public int[] Encode(IEnumerable<string> tokens, bool addBegin, bool addEnd)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if ((addBegin && BeginId < 0) || (addEnd && EndId < 0))
        {
            throw new InvalidOperationException($"The vocabulary has no {(addBegin && BeginId < 0 ? "BOS" : "EOS")} token (special tokens: {SpecialTokens}).");
        }
        var ids = new List<int>(tokens is ICollection<string> c ? c.Count + 2 : 16);
        if (addBegin)
        {
            ids.Add(BeginId);
        }
        foreach (string token in tokens)
        {
            if (token is null)
            {
                throw new ArgumentException($"Token {ids.Count} is null.", nameof(tokens));
            }
            ids.Add(GetId(token));
        }
        if (addEnd)
        {
            ids.Add(EndId);
        }
        return [.. ids];
    }

    /// <summary>Decodes ids to tokens, special tokens included.</summary>
    /// <param name="ids">Ids in 0..<see cref="Count"/>-1.</param>
    /// <returns>One token per id.</returns>
    public string[] Decode(ReadOnlySpan<int> ids) => Decode(ids, skipSpecial: false);

    /// <summary>Decodes ids to tokens.</summary>
    /// <param name="ids">Ids in 0..<see cref="Count"/>-1.</param>
    /// <param name="skipSpecial">Leave out PAD, UNK, BOS and EOS.</param>
    /// <returns>The tokens.</returns>
    public string[] Decode(ReadOnlySpan<int> ids, bool skipSpecial)
    {
        var tokens = new List<string>(ids.Length);
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if ((uint)id >= (uint)_tokens.Length)
            {
                throw OutOfRange(id, nameof(ids), i);
            }
            if (!skipSpecial || id >= SpecialCount)
            {
                tokens.Add(_tokens[id]);
            }
        }
        return [.. tokens];
    }

    /// <summary>Same special tokens and the same tokens in the same order (ordinal comparison).</summary>
    /// <param name="other">The other vocabulary.</param>
    /// <returns>True when both map every token to the same id.</returns>
    public bool Equals(Vocabulary? other) =>
        other is not null && SpecialTokens == other.SpecialTokens && _tokens.AsSpan().SequenceEqual(other._tokens);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Vocabulary);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(SpecialTokens);
        foreach (string token in _tokens)
        {
            hash.Add(token, StringComparer.Ordinal);
        }
        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString() => $"Vocabulary(Count={Count}, SpecialTokens={SpecialTokens})";

    private ArgumentOutOfRangeException OutOfRange(int id, string paramName, int position) => new(paramName, id,
        $"Id {id}{(position >= 0 ? $" at position {position}" : "")} is outside the vocabulary's range 0..{_tokens.Length - 1} ({_tokens.Length} tokens).");

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
