namespace Microsoft.ML.Recurrent.SavedModel;

// The names a saved .zip records or reads back: helper columns of the chain, and the numbers and metadata of the
// model file it carries. Part of the saved-model contract: never change a value, add a new name instead.

/// <summary>Names of the helper columns a saved recurrent model adds and drops.</summary>
internal static class ColumnNames
{
    /// <summary>The constant model key.</summary>
    public const string ModelKey = "__RecurrentModelKey";

    /// <summary>The serialized model text.</summary>
    public const string Model = "__RecurrentModel";

    /// <summary>The predicted class name of a multiclass model, before it becomes a key.</summary>
    public const string PredictedName = "__RecurrentPredicted";

    /// <summary>The featurizer's output before it is copied to the requested column name.</summary>
    public const string Features = "__RecurrentFeatures";

    /// <summary>A copy of the input tokens column under a fixed name.</summary>
    public const string Tokens = "__RecurrentTokens";

    /// <summary>A copy of the input series column under a fixed name.</summary>
    public const string Series = "__RecurrentSeries";

    /// <summary>A copy of the input text column under a fixed name.</summary>
    public const string Text = "__RecurrentText";

    /// <summary>The sequence-to-sequence output text before it is copied to the requested column name.</summary>
    public const string PredictedText = "__RecurrentPredictedText";

    /// <summary>The sequence-to-sequence attention weights before they are copied to the requested column name.</summary>
    public const string Attention = "__RecurrentAttention";
    /// <summary>The tokens an attribution mapping explains (a user-visible output column).</summary>
    public const string AttributionTokens = "AttributionTokens";

    /// <summary>Their attributions (a user-visible output column).</summary>
    public const string Attributions = "Attributions";

    /// <summary>The probability column of class <paramref name="index"/> of a multiclass model.</summary>
    public static string Score(int index) => $"__RecurrentScore{index:00}";
}

/// <summary>Keys of the numbers and metadata the model file inside a saved model carries.</summary>
internal static class BundleKeys
{
    /// <summary>Inputs are cut (or read in windows) to this many steps at prediction, as in training.</summary>
    public const string MaxSequenceLength = "max_sequence_length";

    /// <summary>The training mean of a series regressor's values.</summary>
    public const string SeriesMean = "series_mean";

    /// <summary>The training standard deviation of a series regressor's values.</summary>
    public const string SeriesStd = "series_std";

    /// <summary>The metadata key of the task name.</summary>
    public const string Task = "task";

    /// <summary>The task name recorded in the model file's metadata.</summary>
    public static string TaskName(SavedModelTask task) => task switch
    {
        SavedModelTask.BinaryClassification => "binary-text-classification",
        SavedModelTask.MulticlassClassification => "multiclass-text-classification",
        SavedModelTask.SeriesRegression => "series-regression",
        SavedModelTask.LanguageModel => "language-model",
        SavedModelTask.SequenceTagging => "sequence-tagging",
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, "The featurizer saves its language model's file."),
    };
}
