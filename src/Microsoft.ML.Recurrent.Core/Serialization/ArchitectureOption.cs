using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Serialization;

/// <summary>The type of an architecture option's value in the ARCH section.</summary>
internal enum ArchitectureValueKind : byte
{
    /// <summary>A 32-bit integer.</summary>
    Int32 = 1,

    /// <summary>A finite 32-bit float.</summary>
    Single = 2,

    /// <summary>A byte, 0 or 1.</summary>
    Boolean = 3,
}

/// <summary>
/// One typed key of the ARCH section (format version 2): a <see cref="SequenceModelOptions"/> property that the fixed
/// 46-byte OPTS record of version 1 does not hold. Values travel as doubles (exact for every int32 and float32).
/// A key is written only when it applies to the model and differs from its default, so every model has one byte form.
/// </summary>
/// <param name="Key">The key, lower case with dots (ordinal order in the file).</param>
/// <param name="Kind">The value's type.</param>
/// <param name="Min">The smallest value allowed.</param>
/// <param name="Max">The largest value allowed.</param>
/// <param name="Default">The value when the key is absent.</param>
/// <param name="Applies">Whether the key means anything for these options (else it must be absent).</param>
/// <param name="Get">Reads the value from options.</param>
/// <param name="Set">Options with the value set.</param>
internal sealed record ArchitectureOption(string Key, ArchitectureValueKind Kind, double Min, double Max, double Default,
    Func<SequenceModelOptions, bool> Applies, Func<SequenceModelOptions, double> Get, Func<SequenceModelOptions, double, SequenceModelOptions> Set)
{
    /// <summary>
    /// Every key this build knows, in ordinal order. A feature that adds an architecture option adds one line here (and to
    /// docs/model-file.md); older files keep loading, and a file with a key this build does not know is refused by name.
    /// </summary>
    internal static readonly ArchitectureOption[] All =
    [
        new("characters.embedding_size", ArchitectureValueKind.Int32, 1, 1024, 16, o => o.UsesCharacters,
            o => o.CharacterEmbeddingSize, (o, v) => o with { CharacterEmbeddingSize = (int)v }),
        new("characters.filters", ArchitectureValueKind.Int32, 1, 4096, 32, o => o.UsesCharacters,
            o => o.CharacterFilters, (o, v) => o with { CharacterFilters = (int)v }),
        new("characters.max_width", ArchitectureValueKind.Int32, 1, 16, 3, o => o.UsesCharacters,
            o => o.CharacterMaxWidth, (o, v) => o with { CharacterMaxWidth = (int)v }),
        new("characters.vocabulary_size", ArchitectureValueKind.Int32, 0, Text.CharacterVocabulary.ReservedCount + Text.CharacterVocabulary.MaxCharacters, 0, _ => true,
            o => o.CharacterVocabularySize, (o, v) => o with { CharacterVocabularySize = (int)v }),
        new("ngrams.buckets", ArchitectureValueKind.Int32, 0, SequenceModelOptions.MaxNgramBuckets, 0, _ => true,
            o => o.NgramBuckets, (o, v) => o with { NgramBuckets = (int)v }),
        new("ngrams.ensemble", ArchitectureValueKind.Boolean, 0, 1, 0, o => o.UsesNgrams,
            o => o.NgramEnsemble ? 1 : 0, (o, v) => o with { NgramEnsemble = v != 0 }),
        new("ngrams.max_length", ArchitectureValueKind.Int32, 1, 4, 2, o => o.UsesNgrams,
            o => o.NgramMaxLength, (o, v) => o with { NgramMaxLength = (int)v }),
        new("regression.predict_change", ArchitectureValueKind.Boolean, 0, 1, 0, o => o.Task == SequenceTask.Regression && !o.UsesTokens,
            o => o.PredictChange ? 1 : 0, (o, v) => o with { PredictChange = v != 0 }),
    ];

    /// <summary>The keys these options write: those that apply and differ from their default, in ordinal order.</summary>
    internal static IEnumerable<ArchitectureOption> Written(SequenceModelOptions options) =>
        All.Where(a => a.Applies(options) && a.Get(options) != a.Default);

    /// <summary>The option of a key, or null when this build does not know it.</summary>
    internal static ArchitectureOption? Find(string key) => Array.Find(All, a => a.Key == key);
}
