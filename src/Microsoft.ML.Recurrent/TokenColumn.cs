using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>Reads a key-vector token column (TokenizeIntoWords + MapValueToKey, TokenizeIntoCharactersAsKeys) as token strings.</summary>
internal static class TokenColumn
{
    /// <summary>Joins tokens of one row while rows travel as strings; no tokenizer keeps it.</summary>
    public const char Separator = '\u001F';

    public static bool IsKeyVector(DataViewSchema schema, string name) =>
        schema.GetColumnOrNull(name)?.Type is VectorDataViewType { ItemType: KeyDataViewType };

    public static string[] Split(string joined) => joined.Length == 0 ? [] : joined.Split(Separator);

    public static List<(string[] Tokens, bool Label)> Read(IDataView data, string tokensColumn, DataViewSchema.Column label, string paramName)
    {
        var tokens = ReadTokens(data, tokensColumn, paramName);
        var labels = data.GetColumn<bool>(label).ToList();
        return tokens.Zip(labels).ToList();
    }

    /// <summary>The tokens of every row, in row order.</summary>
    public static List<string[]> ReadTokens(IDataView data, string tokensColumn, string paramName)
    {
        var column = data.Schema[tokensColumn];
        if (column.Type is not VectorDataViewType { ItemType: KeyDataViewType key } || key.RawType != typeof(uint)
            || column.Annotations.Schema.GetColumnOrNull("KeyValues")?.Type is not VectorDataViewType { ItemType: TextDataViewType })
        {
            throw new ArgumentOutOfRangeException(paramName, $"Column '{tokensColumn}' has type {column.Type}; a token key vector must be UInt32 keys with text key values (from MapValueToKey or TokenizeIntoCharactersAsKeys).");
        }
        VBuffer<ReadOnlyMemory<char>> keyValues = default;
        column.GetKeyValues(ref keyValues);
        var names = keyValues.DenseValues().Select(v => v.ToString()).ToArray();
        var rows = new List<string[]>();
        using var cursor = data.GetRowCursor([column]);
        var getKeys = cursor.GetGetter<VBuffer<uint>>(column);
        VBuffer<uint> keys = default;
        while (cursor.MoveNext())
        {
            getKeys(ref keys);
            // Key 0 is a missing value (a token unknown to the key mapping): it is skipped.
            rows.Add(keys.DenseValues().Where(k => k > 0 && k <= names.Length).Select(k => names[k - 1]).ToArray());
        }
        return rows;
    }
}
