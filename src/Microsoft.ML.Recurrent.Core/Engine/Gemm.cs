using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.Recurrent.Engine;

/// <summary>The instruction set a <see cref="Gemm"/> call uses; tests force the lower ones.</summary>
internal enum GemmLevel
{
    Scalar,
    Vector128,
    Vector256,
    Vector512,
}

/// <summary>
/// Single-precision row-major matrix multiply: C = (accumulate ? C : 0) + op(A) * op(B).
/// op(A) is (m, k): A is stored (m, k) with row stride lda, or (k, m) when transA.
/// op(B) is (k, n): B is stored (k, n) with row stride ldb, or (n, k) when transB.
/// C is (m, n) with row stride ldc. Bit-identical results whatever the thread count.
/// </summary>
/// <remarks>
/// Summation order, the contract behind determinism: k is cut into fixed blocks of <see cref="KC"/>
/// (independent of threads and of the instruction set). For every output element and every block the
/// partial sum is one fused multiply-add chain p = p0, p0+1, ... started from +0; the block sums are then
/// added to C in block order (the first one stored when !accumulate). Edge tiles run the same kernel on
/// zero-padded panels, so every element of C follows the same order whatever tile or thread computes it,
/// and the scalar, Vector128, Vector256 and Vector512 paths agree bit for bit. The one exception is the
/// small-m path for transB (dot products along k, see Gemm.SmallM.cs), which has its own fixed order.
/// With k &lt;= KC, accumulate changes only the final add. A row bias (C = bias + op(A) * op(B)) takes the place
/// of C's old values: the block sums are added to it in block order.
/// </remarks>
internal static unsafe partial class Gemm
{
    /// <summary>Depth of a k block; fixed for every path so that summation order never changes.</summary>
    internal const int KC = 256;

    // Below this many multiply-adds (m*n*k) a call stays on the calling thread: waking a worker costs
    // about a microsecond when it spins and tens when it sleeps.
    private const long ParallelThreshold = 1L << 17;

    // m at or below this uses the unpacked small-m path (GEMV-like, streams B once).
    internal const int SmallM = 4;

    private static readonly GemmLevel DetectedLevel = Detect();

    [ThreadStatic]
    private static GemmJob? _job;

    /// <summary>The path used by the next calls; defaults to the best the hardware accelerates. Tests lower it.</summary>
    internal static GemmLevel Level { get; set; } = DetectedLevel;

    internal static GemmLevel HardwareLevel => DetectedLevel;

    /// <summary>
    /// True where the 128-bit path has 32 vector registers (Arm64's NEON): it then takes the 8-row tile of the 512-bit
    /// path instead of the 6-row one of x86's 16 xmm registers. Tests set it on x86 to run that tile (same results).
    /// </summary>
    internal static bool Vector128Has32Registers { get; set; } = AdvSimd.Arm64.IsSupported;

    /// <summary>C = (accumulate ? C : 0) + op(A) * op(B), or rowBias + op(A) * op(B) when a row bias (n) is given (then accumulate must be false).</summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, bool accumulate, ReadOnlySpan<float> rowBias = default)
    {
        // Checked in Release too (once per call): the kernels write through raw pointers.
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (!rowBias.IsEmpty)
        {
            CheckBias(rowBias, n, accumulate);
        }
        if (m == 0 || n == 0)
        {
            return;
        }
        SpanChecks.Matrix(c.Length, m, n, ldc, nameof(c));
        if (k > 0)
        {
            SpanChecks.Matrix(a.Length, transA ? k : m, transA ? m : k, lda, nameof(a));
            SpanChecks.Matrix(b.Length, transB ? n : k, transB ? k : n, ldb, nameof(b));
        }
        if (k == 0 || (!rowBias.IsEmpty && m <= SmallM))
        {
            // Rows of C start from the bias (the small-m path then accumulates onto it), or are all there is.
            for (int i = 0; i < m && (k == 0 || !rowBias.IsEmpty); i++)
            {
                if (!rowBias.IsEmpty)
                {
                    rowBias[..n].CopyTo(c.Slice(i * ldc, n));
                }
                else if (!accumulate)
                {
                    c.Slice(i * ldc, n).Clear();
                }
            }
            if (k == 0)
            {
                return;
            }
            accumulate = true;
            rowBias = default;
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        fixed (float* pbias = rowBias)
        {
            // The caller's buffers exist before any item runs: which items it takes varies from call to
            // call, and a buffer first allocated in a later call would break "no allocation once warm".
            PackBufferA();
            PackBufferB();
            GemmJob job = _job ??= new GemmJob();
            job.Set(transA, transB, m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate, Level);
            job.Bias = rowBias.IsEmpty ? null : pbias;
            int items = job.Plan(ComputeSettings.MaxThreads);
            if (items == 1)
            {
                job.Invoke(0);
            }
            else
            {
                WorkerPool.Run(items, job);
            }
            job.Clear();
        }
    }

    // A row bias replaces C's old values: it needs n values and accumulate off.
    private static void CheckBias(ReadOnlySpan<float> rowBias, int n, bool accumulate)
    {
        if (accumulate)
        {
            throw new ArgumentException("A row bias replaces C's old values; it cannot be combined with accumulate.", nameof(rowBias));
        }
        SpanChecks.AtLeast(rowBias.Length, n, nameof(rowBias));
    }

    private static GemmLevel Detect()
    {
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            return GemmLevel.Vector512;
        }
        if (Vector256.IsHardwareAccelerated && Fma.IsSupported)
        {
            return GemmLevel.Vector256;
        }
        if (Vector128.IsHardwareAccelerated && (Fma.IsSupported || AdvSimd.IsSupported))
        {
            return GemmLevel.Vector128;
        }
        return GemmLevel.Scalar;
    }

    /// <summary>Register tile (MR x NR) and cache blocks (MC rows of A, NC columns of B) of a path.</summary>
    private static void Blocking(GemmLevel level, out int mr, out int nr, out int mc, out int nc)
    {
        switch (level)
        {
            case GemmLevel.Vector512:
                (mr, nr, mc, nc) = (8, 32, 128, 1024);
                break;
            case GemmLevel.Vector256:
                (mr, nr, mc, nc) = (6, 16, 120, 1024);
                break;
            case GemmLevel.Vector128 when Vector128Has32Registers:
                (mr, nr, mc, nc) = (8, 8, 128, 512);
                break;
            case GemmLevel.Vector128:
                (mr, nr, mc, nc) = (6, 8, 120, 512);
                break;
            default:
                (mr, nr, mc, nc) = (4, 4, 64, 256);
                break;
        }
    }

    // Packing buffers, one pair per thread, pinned so that kernels can hold raw pointers.
    // Sized for the largest blocking: A block MC x KC (128 x 256), B panel KC x NC (256 x 1024).
    private const int APackFloats = 128 * KC;
    private const int BPackFloats = KC * 1024;

    [ThreadStatic]
    private static float[]? _aPack;

    [ThreadStatic]
    private static float[]? _bPack;

    private static float* PackBufferA() => Aligned(_aPack ??= GC.AllocateUninitializedArray<float>(APackFloats + 16, pinned: true));

    private static float* PackBufferB() => Aligned(_bPack ??= GC.AllocateUninitializedArray<float>(BPackFloats + 16, pinned: true));

    private static float* Aligned(float[] pinnedArray)
    {
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinnedArray));
        return (float*)((address + 63) & ~(nuint)63);
    }

    /// <summary>
    /// The sequential GotoBLAS loop nest over C[i0..i1, j0..j1): B panels (KC x NC) and A blocks (MC x KC)
    /// are packed into this thread's buffers; the MR x NR kernel runs over them.
    /// </summary>
    private static void Blocked(GemmJob p, int i0, int i1, int j0, int j1)
    {
        Blocking(p.Level, out _, out int nr, out _, out int ncMax);
        float* ap = PackBufferA();
        float* bp = PackBufferB();
        float* tile = stackalloc float[8 * 32];
        for (int jc = j0; jc < j1; jc += ncMax)
        {
            int nc = Math.Min(ncMax, j1 - jc);
            for (int pc = 0; pc < p.K; pc += KC)
            {
                int kc = Math.Min(KC, p.K - pc);
                PackB(p, pc, kc, jc, nc, nr, bp);
                Panels(p, i0, i1, jc, nc, pc, kc, ap, bp, tile);
            }
        }
    }

    /// <summary>
    /// Rows [i0, i1) of C's columns [jc, jc + nc) for one KC block pc whose B panels are packed at bp: A blocks packed
    /// into ap, then the MR x NR kernel over every tile (edge tiles through the scratch tile, so the order is unchanged).
    /// The first block starts from the row bias, or from C when accumulating.
    /// </summary>
    private static void Panels(GemmJob p, int i0, int i1, int jc, int nc, int pc, int kc, float* ap, float* bp, float* tile)
    {
        Blocking(p.Level, out int mr, out int nr, out int mcMax, out _);
        bool bias = pc == 0 && p.Bias != null;
        bool add = pc > 0 || p.Accumulate || bias;
        for (int ic = i0; ic < i1; ic += mcMax)
        {
            int mc = Math.Min(mcMax, i1 - ic);
            int full = FullHeightRows(mr, mc);
            PackA(p, ic, mc, pc, kc, mr, full, ap);
            for (int jr = 0; jr < nc; jr += nr)
            {
                int nrValid = Math.Min(nr, nc - jr);
                float* bPanel = bp + (long)jr * kc;
                for (int ir = 0, height; ir < mc; ir += height)
                {
                    height = ir < full ? mr : ShortTileRows;
                    int mrValid = Math.Min(height, mc - ir);
                    float* aPanel = ap + (long)ir * kc;
                    float* cTile = p.C + (long)(ic + ir) * p.Ldc + jc + jr;
                    if (bias)
                    {
                        // The bias goes into the tile just before its first block sum (cache-hot).
                        for (int r = 0; r < mrValid; r++)
                        {
                            CopyBias(p.Bias + jc + jr, cTile + (long)r * p.Ldc, nrValid);
                        }
                    }
                    if (mrValid == height && nrValid == nr)
                    {
                        Kernel(p.Level, height, kc, aPanel, bPanel, cTile, p.Ldc, add);
                    }
                    else
                    {
                        Kernel(p.Level, height, kc, aPanel, bPanel, tile, nr, add: false);
                        MergeTile(tile, nr, cTile, p.Ldc, mrValid, nrValid, add);
                    }
                }
            }
        }
    }

    // A tile row's bias (8 to 32 floats): vector copies, not a Memmove call per row (a 704 x 8,000 output with a bias
    // made 352,000 of them, 5 % of a sequence-to-sequence forward pass).
    private static void CopyBias(float* bias, float* c, int count)
    {
        int t = 0;
        for (; t + 4 <= count; t += 4)
        {
            Vector128.Store(Vector128.Load(bias + t), c + t);
        }
        for (; t < count; t++)
        {
            c[t] = bias[t];
        }
    }

    private static void MergeTile(float* tile, int ldt, float* c, int ldc, int rows, int cols, bool add)
    {
        for (int r = 0; r < rows; r++)
        {
            float* t = tile + r * ldt;
            float* cr = c + (long)r * ldc;
            for (int j = 0; j < cols; j++)
            {
                cr[j] = add ? cr[j] + t[j] : t[j];
            }
        }
    }

    // Rows of a tile past the full-height (6-row) ones of the 16-register paths; see FullHeightRows.
    private const int ShortTileRows = 4;

    /// <summary>
    /// How many of a block's <paramref name="mc"/> rows the full-height panels (mr rows each; the last may be an edge)
    /// take; the rest go in 4-row panels. With 6-row tiles a remainder of 1-4 rows (or 7-8) would cost a whole 6-row
    /// tile for fewer rows: a two-thread slice of 32 rows is 6+6+6+6+4+4 rows of work instead of 36. Other tiles: all of mc.
    /// Which tile computes a row never changes its bits (one fused chain per element in p order).
    /// </summary>
    private static int FullHeightRows(int mr, int mc)
    {
        if (mr != 6)
        {
            return mc;
        }
        int rest = mc % 6;
        return rest switch
        {
            0 or 5 => mc,                         // a 5-row remainder stays one 6-row edge tile
            3 or 4 => mc - rest,                  // one 4-row tile
            2 => mc >= 8 ? mc - 8 : 0,            // ..., 4, 4
            _ => mc >= 7 ? mc - 7 : 0,            // ..., 4, 4-row edge of 3 (or one edge of 1)
        };
    }

    private static void Kernel(GemmLevel level, int rows, int kc, float* a, float* b, float* c, int ldc, bool add)
    {
        switch (level)
        {
            case GemmLevel.Vector512:
                Kernel8x32(kc, a, b, c, ldc, add);
                break;
            case GemmLevel.Vector256 when rows == ShortTileRows:
                Kernel4x16(kc, a, b, c, ldc, add);
                break;
            case GemmLevel.Vector256:
                Kernel6x16(kc, a, b, c, ldc, add);
                break;
            case GemmLevel.Vector128 when Vector128Has32Registers:
                Kernel8x8(kc, a, b, c, ldc, add);
                break;
            case GemmLevel.Vector128 when rows == ShortTileRows:
                Kernel4x8(kc, a, b, c, ldc, add);
                break;
            case GemmLevel.Vector128:
                Kernel6x8(kc, a, b, c, ldc, add);
                break;
            default:
                Kernel4x4(kc, a, b, c, ldc, add);
                break;
        }
    }
}
