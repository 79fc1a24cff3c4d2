using System.Text;
using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>Reads a key-vector token column (TokenizeIntoWords + MapValueToKey, TokenizeIntoCharactersAsKeys) as token strings.</summary>
internal static class TokenColumn
{
    /// <summary>Separates the tokens of one row while rows travel as strings (<see cref="Join"/>).</summary>
    public const char Separator = '\u001F';

    /// <summary>Marks a <see cref="Separator"/> or an <see cref="Escape"/> that belongs to a token.</summary>
    public const char Escape = '\u001B';

    public static bool IsKeyVector(DataViewSchema schema, string name) =>
        schema.GetColumnOrNull(name)?.Type is VectorDataViewType { ItemType: KeyDataViewType };

    /// <summary>
    /// Joins the tokens of one row into one string that <see cref="Split"/> turns back into exactly these tokens, whatever
    /// characters they hold (a token's separator and escape characters are escaped), so training sees the tokens that
    /// prediction sees. An empty token list and a list of one empty token both join to "" (both read as one unknown token).
    /// </summary>
    public static string Join(IEnumerable<string> tokens)
    {
        var joined = new StringBuilder();
        bool first = true;
        foreach (string token in tokens)
        {
            if (!first)
            {
                joined.Append(Separator);
            }
            first = false;
            foreach (char c in token)
            {
                if (c is Separator or Escape)
                {
                    joined.Append(Escape);
                }
                joined.Append(c);
            }
        }
        return joined.ToString();
    }

    /// <summary>The tokens that <see cref="Join"/> joined.</summary>
    public static string[] Split(string joined)
    {
        if (joined.Length == 0)
        {
            return [];
        }
        var tokens = new List<string>();
        var token = new StringBuilder();
        for (int i = 0; i < joined.Length; i++)
        {
            char c = joined[i];
            if (c == Escape && i + 1 < joined.Length)
            {
                token.Append(joined[++i]);
            }
            else if (c == Separator)
            {
                tokens.Add(token.ToString());
                token.Clear();
            }
            else
            {
                token.Append(c);
            }
        }
        tokens.Add(token.ToString());
        return [.. tokens];
    }

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
