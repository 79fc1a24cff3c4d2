using System.Collections.ObjectModel;
using System.Text;

namespace Microsoft.ML.Recurrent.Text;

/// <summary>
/// The characters of words, as ids for a character-aware model (<see cref="Models.SequenceModelOptions.CharacterVocabularySize"/>):
/// every word of a sequence, known to the word vocabulary or not, is read as its characters. Characters are Unicode scalar
/// values (a surrogate pair is one character); ids 0, 1 and 2 are reserved for an unknown character, the beginning of a word
/// and its end. A word is encoded as <c>[begin, c1, ..., cn, end]</c>; a word longer than <see cref="MaxWordLength"/>
/// characters keeps its first <c>MaxWordLength / 2</c> and its last <c>MaxWordLength - MaxWordLength / 2</c> characters
/// (prefixes and suffixes carry most of what characters tell about a word). Immutable and thread-safe.
/// </summary>
public sealed class CharacterVocabulary
{
    /// <summary>The id of a character not in the vocabulary (and of an invalid UTF-16 sequence).</summary>
    public const int UnknownId = 0;

    /// <summary>The id that starts every encoded word.</summary>
    public const int BeginOfWordId = 1;

    /// <summary>The id that ends every encoded word.</summary>
    public const int EndOfWordId = 2;

    /// <summary>Ids below this are reserved (unknown, begin, end).</summary>
    public const int ReservedCount = 3;

    /// <summary>The default <see cref="MaxWordLength"/>: 24 characters.</summary>
    public const int DefaultMaxWordLength = 24;

    /// <summary>The largest <see cref="MaxWordLength"/> allowed: 256.</summary>
    public const int MaxAllowedWordLength = 256;

    /// <summary>The most characters a vocabulary holds besides the reserved ids: every Unicode scalar value.</summary>
    public const int MaxCharacters = 0x10F800;

    private readonly int[] _characters;
    private readonly Dictionary<int, int> _ids;

    /// <summary>Creates a vocabulary of the given characters, in id order (the first gets id <see cref="ReservedCount"/>).</summary>
    /// <param name="characters">Distinct Unicode scalar values; not null.</param>
    /// <param name="maxWordLength">Characters kept of a longer word. Allowed 1 to <see cref="MaxAllowedWordLength"/>.</param>
    /// <exception cref="ArgumentException">A value is not a Unicode scalar value, or appears twice.</exception>
    public CharacterVocabulary(IEnumerable<int> characters, int maxWordLength = DefaultMaxWordLength)
    {
        ArgumentNullException.ThrowIfNull(characters);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWordLength, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxWordLength, MaxAllowedWordLength);
        _characters = [.. characters];
        _ids = new Dictionary<int, int>(_characters.Length);
        for (int i = 0; i < _characters.Length; i++)
        {
            if (!Rune.IsValid(_characters[i]))
            {
                throw new ArgumentException($"Character {i} is 0x{_characters[i]:X}, not a Unicode scalar value (0..0x10FFFF without surrogates).", nameof(characters));
            }
            if (!_ids.TryAdd(_characters[i], ReservedCount + i))
            {
                throw new ArgumentException($"Character 0x{_characters[i]:X} appears twice.", nameof(characters));
            }
        }
        MaxWordLength = maxWordLength;
        Characters = new ReadOnlyCollection<int>(_characters);
    }

    /// <summary>The number of ids: the reserved ones plus the characters. A model's <c>CharacterVocabularySize</c> equals it.</summary>
    public int Count => ReservedCount + _characters.Length;

    /// <summary>Characters kept of a longer word (half from its start, the rest from its end).</summary>
    public int MaxWordLength { get; }

    /// <summary>The characters (Unicode scalar values) in id order, from id <see cref="ReservedCount"/>.</summary>
    public IReadOnlyList<int> Characters { get; }

    /// <summary>The characters of the words seen at least <paramref name="minCount"/> times, most frequent first (ties by value).</summary>
    /// <param name="words">The training words; not null, no null element.</param>
    /// <param name="minCount">Fewer occurrences make a character unknown. Allowed: 1 or more. Default 1.</param>
    /// <param name="maxWordLength">Characters kept of a longer word. Default <see cref="DefaultMaxWordLength"/>.</param>
    /// <returns>The vocabulary.</returns>
    public static CharacterVocabulary Build(IEnumerable<string> words, int minCount = 1, int maxWordLength = DefaultMaxWordLength)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentOutOfRangeException.ThrowIfLessThan(minCount, 1);
        var counts = new Dictionary<int, long>();
        foreach (string word in words)
        {
            ArgumentNullException.ThrowIfNull(word, nameof(words));
            foreach (Rune rune in word.EnumerateRunes())
            {
                counts[rune.Value] = counts.GetValueOrDefault(rune.Value) + 1;
            }
        }
        var kept = counts.Where(p => p.Value >= minCount && p.Key != Rune.ReplacementChar.Value)
            .OrderByDescending(p => p.Value).ThenBy(p => p.Key).Select(p => p.Key);
        return new CharacterVocabulary(kept, maxWordLength);
    }

    /// <summary>The id of a character, or <see cref="UnknownId"/>.</summary>
    /// <param name="character">A Unicode scalar value.</param>
    /// <returns>The id.</returns>
    public int GetId(int character) => _ids.GetValueOrDefault(character, UnknownId);

    /// <summary>A word as <c>[begin, characters..., end]</c>, the characters cut to <see cref="MaxWordLength"/> (see the class remarks).</summary>
    /// <param name="word">The word; not null. An empty word gives <c>[begin, end]</c>.</param>
    /// <returns>The ids: 2 to <see cref="MaxWordLength"/> + 2 of them.</returns>
    public int[] Encode(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        var runes = new List<int>(word.Length);
        foreach (Rune rune in word.EnumerateRunes())
        {
            // An ill-formed UTF-16 sequence enumerates as U+FFFD, which is never in the vocabulary: unknown.
            runes.Add(rune == Rune.ReplacementChar ? UnknownId : GetId(rune.Value));
        }
        int head = runes.Count, tail = 0;
        if (runes.Count > MaxWordLength)
        {
            head = MaxWordLength / 2;
            tail = MaxWordLength - head;
        }
        var ids = new int[head + tail + 2];
        ids[0] = BeginOfWordId;
        runes.CopyTo(0, ids, 1, head);
        runes.CopyTo(runes.Count - tail, ids, 1 + head, tail);
        ids[^1] = EndOfWordId;
        return ids;
    }

    /// <summary>Every word of a sequence encoded with <see cref="Encode(string)"/>: the <c>Characters</c> of a <see cref="Models.SequenceExample"/>.</summary>
    /// <param name="words">The words; not null.</param>
    /// <returns>One id array per word.</returns>
    public int[][] Encode(IEnumerable<string> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        return [.. words.Select(Encode)];
    }
}
