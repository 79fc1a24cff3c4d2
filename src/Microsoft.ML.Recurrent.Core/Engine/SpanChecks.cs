using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Microsoft.ML.Recurrent.Engine;

/// <summary>
/// The length checks at every kernel entry (GEMM, packing, cells), in Release too: the kernels index with raw
/// pointers, so a span shorter than its shape says would be read or written past its end. Sizes are computed in
/// long, so a product beyond int cannot wrap into a small number that passes. Once per call, never per element.
/// </summary>
internal static class SpanChecks
{
    /// <summary>A row-major matrix of <paramref name="rows"/> x <paramref name="columns"/> with row stride <paramref name="stride"/> fits in the span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Matrix(int length, int rows, int columns, int stride, string name)
    {
        if (rows > 0 && columns > 0 && (stride < columns || length < (long)(rows - 1) * stride + columns))
        {
            ThrowMatrix(length, rows, columns, stride, name);
        }
    }

    /// <summary>The span holds at least <paramref name="needed"/> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AtLeast(int length, long needed, string name)
    {
        if (length < needed)
        {
            ThrowShort(length, needed, name);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowMatrix(int length, int rows, int columns, int stride, string name)
    {
        if (stride < columns)
        {
            throw new ArgumentException($"{name}: the row stride {stride} is below the row width {columns}.", name);
        }
        throw new ArgumentException(
            $"{name} has {length} elements; a ({rows}, {columns}) matrix with row stride {stride} needs (rows - 1) * stride + columns = {(long)(rows - 1) * stride + columns}.", name);
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowShort(int length, long needed, string name) =>
        throw new ArgumentException($"{name} has {length} elements; this call needs {needed}.", name);
}
