namespace Microsoft.ML.Recurrent.SavedModel;

/// <summary>What a saved recurrent model predicts: selects the mapping contract and the tail of its chain.</summary>
internal enum SavedModelTask
{
    /// <summary>Score, Probability and PredictedLabel from a text or key-vector column.</summary>
    BinaryClassification,

    /// <summary>A known-size Score vector and a key PredictedLabel from a text or key-vector column.</summary>
    MulticlassClassification,

    /// <summary>Score from a float-vector series column.</summary>
    SeriesRegression,

    /// <summary>PredictedToken, Probability and NextTokenProbabilities from a text column.</summary>
    LanguageModel,

    /// <summary>PredictedTags from a text-vector tokens column.</summary>
    SequenceTagging,

    /// <summary>A fixed-size feature vector (a language model's final state) from a text column.</summary>
    TextFeaturizing,
}
