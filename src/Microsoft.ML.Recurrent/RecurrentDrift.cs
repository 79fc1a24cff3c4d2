using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Explainability;

namespace Microsoft.ML.Recurrent;

// Reads a data view's input column as the model reads it and checks it against the model's recorded training profile.
internal static class RecurrentDrift
{
    public static DriftReport Check(ITransformer transformer, IDataView data, string inputColumnName, DriftThresholds? thresholds)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrEmpty(inputColumnName);
        var model = RecurrentModels.FromTransformer(transformer);
        const string expected = "text, a key vector of tokens, a vector of text tokens, or a vector of Single (a series)";
        var column = ColumnCheck.Require(data.Schema, inputColumnName, expected, t => t is TextDataViewType
            || t is VectorDataViewType { ItemType: KeyDataViewType or TextDataViewType }
            || (t is VectorDataViewType { ItemType: NumberDataViewType n } && n.RawType == typeof(float)), nameof(data));
        switch (column.Type)
        {
            case TextDataViewType:
                return DriftCheck.CheckTexts(model, data.GetColumn<string>(column).ToList(), thresholds);
            case VectorDataViewType { ItemType: KeyDataViewType }:
                return DriftCheck.CheckTokens(model, TokenColumn.ReadTokens(data, inputColumnName, nameof(data)), thresholds);
            case VectorDataViewType { ItemType: TextDataViewType }:
                return DriftCheck.CheckTokens(model, data.GetColumn<string[]>(column).ToList(), thresholds);
            default:
                return DriftCheck.CheckSeries(model, data.GetColumn<float[]>(column).ToList(), thresholds);
        }
    }
}
