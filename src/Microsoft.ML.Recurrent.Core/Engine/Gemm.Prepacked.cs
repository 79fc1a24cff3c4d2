using System.Diagnostics;

namespace Microsoft.ML.Recurrent.Engine;

/// <summary>
/// op(B) of a <see cref="Gemm"/> packed once into the blocked path's panels, for the per-step products of a
/// recurrent layer: the same weights multiply a new state every step, so packing them every call would copy
/// the whole matrix per step (and per thread, when rows are split over threads).
/// </summary>
internal sealed class PackedMatrix
{
    internal float[] Buffer = [];
    internal int K;
    internal int N;
    internal GemmLevel Level;
}

internal static unsafe partial class Gemm
{
    /// <summary>
    /// Packs op(B) (k, n) for <see cref="MultiplyPacked"/>: for every NC column block and every KC depth block,
    /// in the order the blocked loop visits them, the panels <c>PackB</c> would build.
    /// </summary>
    public static void Pack(bool transB, int k, int n, ReadOnlySpan<float> b, int ldb, PackedMatrix target)
    {
        Debug.Assert(k > 0 && n > 0);
        GemmLevel level = Level;
        Blocking(level, out _, out int nr, out _, out int ncMax);
        long size = 0;
        for (int jc = 0; jc < n; jc += ncMax)
        {
            size += (long)k * RoundUp(Math.Min(ncMax, n - jc), nr);
        }
        if (target.Buffer.Length < size + 16)
        {
            target.Buffer = GC.AllocateUninitializedArray<float>((int)size + 16, pinned: true);
        }
        (target.K, target.N, target.Level) = (k, n, level);
        fixed (float* pb = b)
        {
            GemmJob job = _job ??= new GemmJob();
            job.Set(false, transB, 0, n, k, null, 0, pb, ldb, null, 0, false, level);
            float* dst = Aligned(target.Buffer);
            for (int jc = 0; jc < n; jc += ncMax)
            {
                int nc = Math.Min(ncMax, n - jc);
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    PackB(job, pc, kc, jc, nc, nr, dst);
                    dst += (long)kc * RoundUp(nc, nr);
                }
            }
            job.Clear();
        }
    }

    /// <summary>
    /// C (m, n) = (accumulate ? C : 0) + A (m, k) * B, B packed by <see cref="Pack"/>, on the calling thread.
    /// Same kernel, blocks and order as <see cref="Multiply"/> with row-major B, so a row of C is bit-identical
    /// to what Multiply gives for it, whatever m.
    /// </summary>
    public static void MultiplyPacked(int m, ReadOnlySpan<float> a, int lda, PackedMatrix b, Span<float> c, int ldc, bool accumulate)
    {
        int n = b.N, k = b.K;
        if (m == 0)
        {
            return;
        }
        Debug.Assert(lda >= k && a.Length >= (long)(m - 1) * lda + k);
        Debug.Assert(ldc >= n && c.Length >= (long)(m - 1) * ldc + n);
        GemmLevel level = b.Level;
        Blocking(level, out int mr, out int nr, out int mcMax, out int ncMax);
        fixed (float* pa = a)
        fixed (float* pc0 = c)
        {
            GemmJob job = _job ??= new GemmJob();
            job.Set(false, false, m, n, k, pa, lda, null, 0, pc0, ldc, accumulate, level);
            float* ap = PackBufferA();
            float* tile = stackalloc float[8 * 32];
            float* bp = Aligned(b.Buffer);
            for (int jc = 0; jc < n; jc += ncMax)
            {
                int nc = Math.Min(ncMax, n - jc);
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    bool add = pc > 0 || accumulate;
                    for (int ic = 0; ic < m; ic += mcMax)
                    {
                        int mc = Math.Min(mcMax, m - ic);
                        PackA(job, ic, mc, pc, kc, mr, ap);
                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            int nrValid = Math.Min(nr, nc - jr);
                            float* bPanel = bp + (long)jr * kc;
                            for (int ir = 0; ir < mc; ir += mr)
                            {
                                int mrValid = Math.Min(mr, mc - ir);
                                float* aPanel = ap + (long)ir * kc;
                                float* cTile = pc0 + (long)(ic + ir) * ldc + jc + jr;
                                if (mrValid == mr && nrValid == nr)
                                {
                                    Kernel(level, kc, aPanel, bPanel, cTile, ldc, add);
                                }
                                else
                                {
                                    Kernel(level, kc, aPanel, bPanel, tile, nr, add: false);
                                    MergeTile(tile, nr, cTile, ldc, mrValid, nrValid, add);
                                }
                            }
                        }
                    }
                    bp += (long)kc * RoundUp(nc, nr);
                }
            }
            job.Clear();
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
