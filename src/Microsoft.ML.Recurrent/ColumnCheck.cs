using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>The one check every trainer and experiment runs on an input column, so their messages read alike.</summary>
internal static class ColumnCheck
{
    /// <summary>
    /// The column, or an <see cref="ArgumentOutOfRangeException"/> for <paramref name="paramName"/> naming the column, its
    /// actual type (or the columns there are) and <paramref name="expected"/>.
    /// </summary>
    public static DataViewSchema.Column Require(DataViewSchema schema, string name, string expected, Func<DataViewType, bool> ok, string paramName)
    {
        var column = schema.GetColumnOrNull(name);
        if (column is null)
        {
            throw new ArgumentOutOfRangeException(paramName, $"Column '{name}' was not found; expected {expected}. Columns: {string.Join(", ", schema.Select(c => c.Name))}.");
        }
        if (!ok(column.Value.Type))
        {
            throw new ArgumentOutOfRangeException(paramName, $"Column '{name}' has type {column.Value.Type}; expected {expected}.");
        }
        return column.Value;
    }
}
