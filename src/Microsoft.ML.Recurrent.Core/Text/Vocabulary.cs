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
}
