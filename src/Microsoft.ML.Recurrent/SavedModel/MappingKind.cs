namespace Microsoft.ML.Recurrent.SavedModel;

/// <summary>Which mapping reads a model: each needs a model of one task, with heads and sizes it can use (<see cref="MappingFit"/>).</summary>
internal enum MappingKind
{
    /// <summary>Binary classifier over text.</summary>
    BinaryText,

    /// <summary>Binary classifier over key-vector tokens.</summary>
    BinaryTokens,

    /// <summary>Multiclass classifier over text.</summary>
    MulticlassText,

    /// <summary>Multiclass classifier over key-vector tokens.</summary>
    MulticlassTokens,

    /// <summary>Series regressor.</summary>
    SeriesRegression,

    /// <summary>Next-token language model.</summary>
    NextToken,

    /// <summary>Sequence tagger.</summary>
    SequenceTagging,

    /// <summary>Text featurizer (a language model's final state).</summary>
    Featurizer,
}
