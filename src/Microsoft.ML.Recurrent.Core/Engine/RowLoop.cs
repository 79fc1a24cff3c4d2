using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Recurrent.Engine;

/// <summary>
/// The one loop of the element-wise kernels (TensorPrimitives' shape): the widest accelerated vectors first, then
/// narrower ones, then single floats, over every row. Each width is a separate JIT-specialised copy of
/// <see cref="Columns{TKernel, T}"/>; as the kernel computes the same operations at every width, the result does not
/// depend on the widest width allowed. Each copy must inline the kernel's whole body (the JIT gives up past an inlining
/// budget and leaves calls, which is slow and makes a NaN's sign depend on tiering): after changing a kernel or
/// <see cref="IFloatVector{TSelf}"/>, check that <c>DOTNET_JitDisasm=Columns</c> shows no <c>call</c> in any copy.
/// </summary>
internal static class RowLoop
{
    /// <summary>Runs <paramref name="kernel"/> over columns 0 .. columns - 1 of rows 0 .. rows - 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<TKernel>(TKernel kernel, int rows, int columns, VectorWidth widest = VectorWidth.Vector512)
        where TKernel : IRowKernel<TKernel>, allows ref struct
    {
        // A width runs only when one whole vector of it fits: no call at all for the widths a row is too short for.
        int j = 0;
        if (widest >= VectorWidth.Vector512 && Vector512.IsHardwareAccelerated && columns - j >= FloatVector512.Count)
        {
            j = Columns<TKernel, FloatVector512>(kernel, rows, j, columns);
        }
        if (widest >= VectorWidth.Vector256 && Vector256.IsHardwareAccelerated && columns - j >= FloatVector256.Count)
        {
            j = Columns<TKernel, FloatVector256>(kernel, rows, j, columns);
        }
        if (widest >= VectorWidth.Vector128 && Vector128.IsHardwareAccelerated && columns - j >= FloatVector128.Count)
        {
            j = Columns<TKernel, FloatVector128>(kernel, rows, j, columns);
        }
        if (j < columns)
        {
            Columns<TKernel, FloatScalar>(kernel, rows, j, columns);
        }
    }

    // Columns from .. (the last whole T) of every row; returns where the next width starts (the same in every row).
    private static int Columns<TKernel, T>(TKernel kernel, int rows, int from, int columns)
        where TKernel : IRowKernel<TKernel>, allows ref struct
        where T : struct, IFloatVector<T>
    {
        int end = from + (columns - from) / T.Count * T.Count;
        for (int r = 0; r < rows; r++)
        {
            var row = kernel.AtRow(r);
            for (int j = from; j < end; j += T.Count)
            {
                row.Invoke<T>((nuint)j);
            }
        }
        return end;
    }
}
