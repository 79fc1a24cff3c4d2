using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent;

/// <summary>How the text classifiers (binary and multiclass, and their experiments) turn their input column into token ids.</summary>
internal static class TextClassifierInput
{
    /// <summary>What a text classifier's input column may be, for error messages.</summary>
    public const string TextOrTokens = "a text (string) column or a key vector (tokens)";

    // Key-vector rows carry their tokens joined by TokenColumn.Join (escaped, so any token survives), text rows their text.
    // With characterAware and word tokens (or key-vector tokens), the sequencer also holds the characters of the training tokens.
    public static TextSequencer BuildSequencer(IEnumerable<string> texts, bool tokenInput, bool wordTokens, int minCount, bool characterAware = false)
    {
        var vocabulary = new VocabularyOptions { MinCount = minCount, SpecialTokens = SpecialTokens.Pad | SpecialTokens.Unknown };
        var sequencer = tokenInput
            ? new TextSequencer(new WordTokenizer(), Vocabulary.Build(texts.Select(TokenColumn.Split), vocabulary))
            : TextSequencer.Build(texts, wordTokens ? new WordTokenizer() : new CharacterTokenizer(), vocabulary);
        if (!characterAware || !(tokenInput || wordTokens))
        {
            return sequencer;
        }
        var characters = CharacterVocabulary.Build(texts.SelectMany(text => Tokens(sequencer, text, tokenInput)));
        return new TextSequencer(sequencer.Tokenizer, sequencer.Vocabulary, characters);
    }

    // The training data's profile (lengths, truncation, unknown tokens), recorded in the model for drift checks.
    public static DataProfile Profile(TextSequencer sequencer, IEnumerable<string> texts, bool tokenInput, int maxLength) =>
        DataProfile.FromTokens(sequencer.Vocabulary, texts.Select(t => tokenInput ? TokenColumn.Split(t) : sequencer.Tokenizer.Tokenize(t)), maxLength);

    /// <summary>
    /// Starts the unknown token's embedding at zero: what embedding dropout teaches the model to read as "no word", so a
    /// word never seen in training (its rows map here) adds no random direction. Training moves it when the data has
    /// unknown tokens (MinTokenCount above 1).
    /// </summary>
    public static void ZeroUnknownEmbedding(Models.SequenceModel model, Text.Vocabulary vocabulary)
    {
        if (vocabulary.UnknownId >= 0 && model.Parameters.Contains("embedding.weight"))
        {
            int e = model.Options.EmbeddingSize;
            model.Parameters.GetValues("embedding.weight").Slice(vocabulary.UnknownId * e, e).Clear();
        }
    }

    // The characters of each token Encode keeps (an empty text is one empty word), or null without a character vocabulary.
    public static int[][]? Characters(TextSequencer sequencer, string text, bool tokenInput, int maxLength)
    {
        if (sequencer.Characters is null)
        {
            return null;
        }
        string[] tokens = Tokens(sequencer, text, tokenInput);
        return tokens.Length == 0 ? [sequencer.Characters.Encode("")] : sequencer.Characters.Encode(tokens.Take(maxLength));
    }

    private static string[] Tokens(TextSequencer sequencer, string text, bool tokenInput) =>
        tokenInput ? TokenColumn.Split(text) : sequencer.Tokenizer.Tokenize(text);

    // The ids of one text (or joined tokens), cut to the first maxLength; an empty one is one unknown token.
    public static int[] Encode(TextSequencer sequencer, string text, bool tokenInput, int maxLength)
    {
        int[] ids = tokenInput ? sequencer.Vocabulary.Encode(TokenColumn.Split(text)) : sequencer.Encode(text);
        return ids.Length == 0 ? [sequencer.Vocabulary.UnknownId] : ids.Length > maxLength ? ids[..maxLength] : ids;
    }
}
