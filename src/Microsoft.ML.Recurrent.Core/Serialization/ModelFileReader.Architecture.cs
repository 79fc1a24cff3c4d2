using System.Text;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.Serialization;

internal static partial class ModelFileReader
{
    /// <summary>
    /// The ARCH section (version 2): count (int32) | per entry, keys in ordinal order: key, kind (byte), value (int32,
    /// float32 or a 0/1 byte). Every key must be known to this build, of its declared kind and range, apply to the model
    /// and differ from its default (the one byte form the writer gives); the options are then validated as a whole.
    /// </summary>
    private static SequenceModelOptions ReadArchitecture(BinaryFieldReader r, SequenceModelOptions options)
    {
        int count = r.ReadInt32Count("an architecture option count", ModelFileFormat.MaxArchitectureEntries, 6);
        if (count == 0)
        {
            throw r.InvalidPart("holds no option; a file without architecture options is written as format version 1");
        }
        var read = new List<ArchitectureOption>(count);
        string? previous = null;
        for (int i = 0; i < count; i++)
        {
            string key = r.ReadString($"the key of architecture option {i}");
            if (previous is not null && string.CompareOrdinal(previous, key) >= 0)
            {
                throw r.InvalidPart($"has key \"{key}\" after \"{previous}\"; keys must be unique and in ordinal order");
            }
            previous = key;
            var option = ArchitectureOption.Find(key) ?? throw r.InvalidPart(
                $"holds architecture option \"{key}\", which this build does not know (it knows {string.Join(", ", ArchitectureOption.All.Select(a => a.Key))}); load the file with a newer Microsoft.ML.Recurrent");
            var kind = (ArchitectureValueKind)r.ReadByte();
            if (kind != option.Kind)
            {
                throw r.InvalidPart($"stores \"{key}\" as value kind {(int)kind}; it is kind {(int)option.Kind} ({option.Kind})");
            }
            double value = kind switch
            {
                ArchitectureValueKind.Int32 => r.ReadInt32(key),
                ArchitectureValueKind.Single => r.ReadSingle(key),
                _ => r.ReadByte(),
            };
            if (!(value >= option.Min && value <= option.Max))
            {
                throw r.InvalidPart($"stores \"{key}\" = {value}; allowed {option.Min} to {option.Max}");
            }
            options = option.Set(options, value);
            read.Add(option);
        }
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Invalid model file: the stored architecture options are invalid: {e.Message}", e);
        }
        foreach (var option in read)
        {
            if (!option.Applies(options) || option.Get(options) == option.Default)
            {
                throw r.InvalidPart($"stores \"{option.Key}\", which {(option.Applies(options) ? "has its default value" : "does not apply to this model")}; the writer leaves it out");
            }
        }
        return options;
    }

    /// <summary>
    /// The CHAR section (version 2): max word length (int32) | count (int32) | count Unicode scalar values (int32 each), in id
    /// order from <see cref="CharacterVocabulary.ReservedCount"/>; the vocabulary's size must be the model's CharacterVocabularySize.
    /// </summary>
    private static TextSequencer ReadCharacters(BinaryFieldReader r, TextSequencer sequencer, SequenceModelOptions options)
    {
        if (!options.UsesCharacters)
        {
            throw r.InvalidPart("is present, but the model does not read characters (characters.vocabulary_size is 0)");
        }
        int maxWordLength = r.ReadInt32("the maximum word length");
        if (maxWordLength is < 1 or > CharacterVocabulary.MaxAllowedWordLength)
        {
            throw r.InvalidPart($"stores a maximum word length of {maxWordLength}; allowed 1 to {CharacterVocabulary.MaxAllowedWordLength}");
        }
        int expected = options.CharacterVocabularySize - CharacterVocabulary.ReservedCount;
        int count = r.ReadInt32Count("a character count", CharacterVocabulary.MaxCharacters, 4);
        if (count != expected)
        {
            throw r.InvalidPart($"holds {count} characters; the model's characters.vocabulary_size {options.CharacterVocabularySize} calls for {expected} (after {CharacterVocabulary.ReservedCount} reserved ids)");
        }
        var characters = new int[count];
        var seen = new HashSet<int>(count);
        for (int i = 0; i < count; i++)
        {
            characters[i] = r.ReadInt32($"character {i}");
            if (!Rune.IsValid(characters[i]) || !seen.Add(characters[i]))
            {
                throw r.InvalidPart($"holds character {i} = 0x{characters[i]:X}; characters must be distinct Unicode scalar values (0..0x10FFFF without surrogates)");
            }
        }
        return new TextSequencer(sequencer.Tokenizer, sequencer.Vocabulary, new CharacterVocabulary(characters, maxWordLength));
    }
}
