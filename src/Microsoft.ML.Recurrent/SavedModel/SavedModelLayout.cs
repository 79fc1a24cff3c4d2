using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent.SavedModel;

/// <summary>What a saved recurrent model reads and adds: the one description <see cref="SavedModelChain"/> builds from.</summary>
/// <param name="Task">What the model predicts.</param>
/// <param name="InputColumn">The user's column the model reads (text, key-vector tokens, text-vector tokens or series).</param>
internal sealed record SavedModelLayout(SavedModelTask Task, string InputColumn)
{
    /// <summary>Classifiers: the input is a key vector of tokens (turned back into token text by the stock MapKeyToValue).</summary>
    public bool TokenKeys { get; init; }

    /// <summary>Classifiers: add the per-token attribution columns (an extra mapping after the prediction's).</summary>
    public bool Attributions { get; init; }

    /// <summary>Multiclass: the class names, in key order (PredictedLabel's key values).</summary>
    public IReadOnlyList<string> ClassNames { get; init; } = [];

    /// <summary>Featurizer: the size of the feature vector (one of <see cref="RecurrentFeatureSizes.All"/>).</summary>
    public int FeatureSize { get; init; }

    /// <summary>Featurizer: the feature-vector column to add.</summary>
    public string OutputColumn { get; init; } = "";

    /// <summary>What the input column must be, for error messages.</summary>
    public string ExpectedInput => Task switch
    {
        SavedModelTask.SeriesRegression => "a vector of Single values (the series)",
        SavedModelTask.SequenceTagging => "a vector of text values (the tokens)",
        _ => TokenKeys ? "a key vector of tokens with text key values (from MapValueToKey)" : "a text (string) column",
    };

    /// <summary>Whether the chain can read an input column of this type.</summary>
    public bool Accepts(DataViewType type) => Task switch
    {
        SavedModelTask.SeriesRegression => type is VectorDataViewType { ItemType: NumberDataViewType n } && n.RawType == typeof(float),
        SavedModelTask.SequenceTagging => type is VectorDataViewType { ItemType: TextDataViewType },
        _ => TokenKeys ? type is VectorDataViewType { ItemType: KeyDataViewType } : type is TextDataViewType,
    };

    /// <summary>The fixed name the input is copied to, which the mapping's input class reads.</summary>
    public string HelperColumn => Task switch
    {
        SavedModelTask.SeriesRegression => ColumnNames.Series,
        SavedModelTask.SequenceTagging => ColumnNames.Tokens,
        _ => TokenKeys ? ColumnNames.Tokens : ColumnNames.Text,
    };
}
