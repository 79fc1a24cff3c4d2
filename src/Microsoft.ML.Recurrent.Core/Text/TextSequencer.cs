namespace Microsoft.ML.Recurrent.Text;

/// <summary>
/// Turns text into model input ids and ids back into text: an <see cref="ITokenizer"/> and the
/// <see cref="Text.Vocabulary"/> built with it, saved and loaded together. Immutable and thread-safe.
/// </summary>
public sealed class TextSequencer
{
    /// <summary>Pairs a tokenizer with a vocabulary of its tokens.</summary>
    /// <param name="tokenizer">The tokenizer; not null.</param>
    /// <param name="vocabulary">The vocabulary; not null.</param>
    public TextSequencer(ITokenizer tokenizer, Vocabulary vocabulary)
        : this(tokenizer, vocabulary, null)
    {
    }

    /// <summary>Pairs a tokenizer with a vocabulary of its tokens and, for a character-aware model, a vocabulary of their characters.</summary>
    /// <param name="tokenizer">The tokenizer; not null.</param>
    /// <param name="vocabulary">The vocabulary; not null.</param>
    /// <param name="characters">The characters of the tokens, or null for a model without character-aware words.</param>
    public TextSequencer(ITokenizer tokenizer, Vocabulary vocabulary, CharacterVocabulary? characters)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(vocabulary);
        Tokenizer = tokenizer;
        Vocabulary = vocabulary;
        Characters = characters;
    }

    /// <summary>The tokenizer.</summary>
    public ITokenizer Tokenizer { get; }

    /// <summary>The vocabulary.</summary>
    public Vocabulary Vocabulary { get; }

    /// <summary>
    /// The character vocabulary of a character-aware model, or null. It is saved in the model file's CHAR section, not by
    /// <see cref="WriteTo"/>.
    /// </summary>
    public CharacterVocabulary? Characters { get; }

    /// <summary>Tokenizes every text and builds the vocabulary of their tokens.</summary>
    /// <param name="texts">The training texts; not null, no null element.</param>
    /// <param name="tokenizer">The tokenizer; not null.</param>
    /// <param name="options">Vocabulary options; null means the defaults.</param>
    /// <returns>The sequencer.</returns>
    public static TextSequencer Build(IEnumerable<string> texts, ITokenizer tokenizer, VocabularyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(tokenizer);
        IEnumerable<string[]> sequences = texts.Select(text => tokenizer.Tokenize(text
            ?? throw new ArgumentException("A text is null.", nameof(texts))));
        return new TextSequencer(tokenizer, Vocabulary.Build(sequences, options));
    }

    /// <summary>Tokenizes and encodes a text; unknown tokens become UNK (see <see cref="Vocabulary.GetId"/>).</summary>
    /// <param name="text">The text; not null.</param>
    /// <param name="addBegin">Put BOS first (the vocabulary must have it).</param>
    /// <param name="addEnd">Put EOS last (the vocabulary must have it).</param>
    /// <returns>The ids.</returns>
    public int[] Encode(string text, bool addBegin = false, bool addEnd = false) =>
        Vocabulary.Encode(Tokenizer.Tokenize(text), addBegin, addEnd);

    /// <summary>Decodes ids and joins the tokens into text.</summary>
    /// <param name="ids">Ids in 0..<see cref="Vocabulary.Count"/>-1.</param>
    /// <param name="skipSpecial">Leave out PAD, UNK, BOS and EOS. Default: true.</param>
    /// <returns>The text.</returns>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecial = true) =>
        Tokenizer.Detokenize(Vocabulary.Decode(ids, skipSpecial));

    /// <summary>Writes the tokenizer record, then the vocabulary record.</summary>
    /// <param name="writer">The destination; not null.</param>
    public void WriteTo(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Tokenizer.WriteTo(writer);
        Vocabulary.WriteTo(writer);
    }

    /// <summary>Reads what <see cref="WriteTo"/> wrote, validating both records.</summary>
    /// <param name="reader">The source; not null.</param>
    /// <param name="maxTokens">The largest vocabulary accepted (see <see cref="Vocabulary.ReadFrom"/>).</param>
    /// <param name="maxTotalChars">The largest total token length accepted, in UTF-16 chars.</param>
    /// <returns>The sequencer.</returns>
    /// <exception cref="InvalidDataException">A record is truncated, corrupted or above a limit.</exception>
    public static TextSequencer ReadFrom(BinaryReader reader, int maxTokens, int maxTotalChars)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ITokenizer tokenizer = Text.Tokenizer.ReadFrom(reader);
        return new TextSequencer(tokenizer, Vocabulary.ReadFrom(reader, maxTokens, maxTotalChars));
    }
}
