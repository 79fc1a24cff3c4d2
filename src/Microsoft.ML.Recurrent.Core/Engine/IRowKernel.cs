namespace Microsoft.ML.Recurrent.Engine;

/// <summary>
/// The body of an element-wise kernel over rows of equal length, written once for every width: a ref struct that
/// holds the kernel's spans and computes lanes [j, j + T.Count) of one row. <see cref="RowLoop"/> runs it.
/// </summary>
internal interface IRowKernel<TSelf> where TSelf : IRowKernel<TSelf>, allows ref struct
{
    /// <summary>The same kernel pointed at row <paramref name="row"/>.</summary>
    TSelf AtRow(int row);

    /// <summary>Computes columns j .. j + T.Count - 1 of the current row.</summary>
    void Invoke<T>(nuint j) where T : struct, IFloatVector<T>;
}
