using System.Runtime.Intrinsics;

namespace Microsoft.ML.Recurrent.Engine;

internal static unsafe partial class Gemm
{
    /// <summary>
    /// Packs op(A)[ic..ic+mc, pc..pc+kc) into micro-panels of mr rows: panel q holds element (q*mr + r, p)
    /// at q*mr*kc + p*mr + r, rows past mc zero (they only feed outputs that are never stored).
    /// </summary>
    private static void PackA(GemmJob job, int ic, int mc, int pc, int kc, int mr, float* dst)
    {
        int lda = job.Lda;
        for (int q = 0; q < mc; q += mr, dst += (long)mr * kc)
        {
            int rows = Math.Min(mr, mc - q);
            if (job.TransA)
            {
                // A stored (k, m): the mr values of one p are contiguous.
                float* src = job.A + (long)pc * lda + ic + q;
                for (int p = 0; p < kc; p++, src += lda)
                {
                    float* d = dst + p * mr;
                    if (rows == 8 && mr == 8)
                    {
                        Vector256.Store(Vector256.Load(src), d);
                        continue;
                    }
                    int r = 0;
                    for (; r < rows; r++)
                    {
                        d[r] = src[r];
                    }
                    for (; r < mr; r++)
                    {
                        d[r] = 0;
                    }
                }
            }
            else
            {
                // A stored (m, k): read each row along k, write with stride mr.
                for (int r = 0; r < mr; r++)
                {
                    float* d = dst + r;
                    if (r < rows)
                    {
                        float* src = job.A + (long)(ic + q + r) * lda + pc;
                        for (int p = 0; p < kc; p++)
                        {
                            d[p * mr] = src[p];
                        }
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++)
                        {
                            d[p * mr] = 0;
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs op(B)[pc..pc+kc, jc..jc+nc) into micro-panels of nr columns: panel q holds element (p, q*nr + t)
    /// at q*nr*kc + p*nr + t, columns past nc zero.
    /// </summary>
    private static void PackB(GemmJob job, int pc, int kc, int jc, int nc, int nr, float* dst)
    {
        int ldb = job.Ldb;
        for (int q = 0; q < nc; q += nr, dst += (long)nr * kc)
        {
            int cols = Math.Min(nr, nc - q);
            if (!job.TransB)
            {
                // B stored (k, n): each p contributes nr contiguous values.
                float* src = job.B + (long)pc * ldb + jc + q;
                for (int p = 0; p < kc; p++, src += ldb)
                {
                    float* d = dst + p * nr;
                    if (cols == nr)
                    {
                        int t = 0;
                        if (Vector512.IsHardwareAccelerated)
                        {
                            for (; t + 16 <= nr; t += 16)
                            {
                                Vector512.Store(Vector512.Load(src + t), d + t);
                            }
                        }
                        for (; t < nr; t++)
                        {
                            d[t] = src[t];
                        }
                    }
                    else
                    {
                        int t = 0;
                        for (; t < cols; t++)
                        {
                            d[t] = src[t];
                        }
                        for (; t < nr; t++)
                        {
                            d[t] = 0;
                        }
                    }
                }
            }
            else
            {
                // B stored (n, k): read each row of B along k, write with stride nr.
                for (int t = 0; t < nr; t++)
                {
                    float* d = dst + t;
                    if (t < cols)
                    {
                        float* src = job.B + (long)(jc + q + t) * ldb + pc;
                        for (int p = 0; p < kc; p++)
                        {
                            d[p * nr] = src[p];
                        }
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++)
                        {
                            d[p * nr] = 0;
                        }
                    }
                }
            }
        }
    }
}
