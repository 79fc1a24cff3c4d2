using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.Recurrent.Engine;

internal static unsafe partial class Gemm
{
    /// <summary>
    /// Packs op(A)[ic..ic+mc, pc..pc+kc) into micro-panels: of mr rows over the first <paramref name="full"/> rows, of
    /// <see cref="ShortTileRows"/> after them (<see cref="FullHeightRows"/>). The panel of rows from q holds element
    /// (q + r, p) at q*kc + p*height + r; rows past mc are zero (they only feed outputs that are never stored).
    /// </summary>
    private static void PackA(GemmJob job, int ic, int mc, int pc, int kc, int mr, int full, float* dst)
    {
        int lda = job.Lda;
        if (job.TransA)
        {
            // A stored (k, m): the values of one p are contiguous across all panels.
            PackAlongRows(job.A + (long)pc * lda + ic, lda, kc, full, mr, dst);
            if (full < mc)
            {
                PackAlongRows(job.A + (long)pc * lda + ic + full, lda, kc, mc - full, ShortTileRows, dst + (long)full * kc);
            }
            return;
        }
        for (int q = 0, height; q < mc; q += height, dst += (long)height * kc)
        {
            height = q < full ? mr : ShortTileRows;
            PackRows(job, ic + q, Math.Min(height, mc - q), pc, kc, height, dst);
        }
    }

    // One micro-panel of `height` rows (`rows` of them from A, stored (m, k), the rest zero) into dst.
    private static void PackRows(GemmJob job, int first, int rows, int pc, int kc, int mr, float* dst)
    {
        int lda = job.Lda;
        // A stored (m, k): 8-column transposes where possible, then each row along k with stride mr.
        int p0 = 0;
        if (Avx.IsSupported && rows == mr)
        {
            float* src = job.A + (long)first * lda + pc;
            if (mr == 8)
            {
                for (; p0 + 8 <= kc; p0 += 8)
                {
                    Transpose8x8(src + p0, lda, dst + p0 * 8, 8);
                }
            }
            else if (mr is 6 or 4)
            {
                // Strictly before the last column: a column is stored as 8 floats, the ones past it overwritten next.
                for (; p0 + 8 < kc; p0 += 8)
                {
                    TransposeColumns(src + p0, lda, mr, dst + p0 * mr);
                }
            }
        }
        for (int r = 0; r < mr; r++)
        {
            float* d = dst + r;
            if (r < rows)
            {
                float* src = job.A + (long)(first + r) * lda + pc;
                for (int p = p0; p < kc; p++)
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

    /// <summary>
    /// Packs op(B)[pc..pc+kc, jc..jc+nc) into micro-panels of nr columns: panel q holds element (p, q*nr + t)
    /// at q*nr*kc + p*nr + t, columns past nc zero.
    /// </summary>
    private static void PackB(GemmJob job, int pc, int kc, int jc, int nc, int nr, float* dst)
    {
        int ldb = job.Ldb;
        if (!job.TransB)
        {
            // B stored (k, n): the values of one p are contiguous across all panels.
            PackAlongRows(job.B + (long)pc * ldb + jc, ldb, kc, nc, nr, dst);
            return;
        }
        for (int q = 0; q < nc; q += nr, dst += (long)nr * kc)
        {
            int cols = Math.Min(nr, nc - q);
            // B stored (n, k): 8 x 8 transposes over whole groups of 8 columns and 8 depths, then
            // each row of B along k with stride nr.
            int t8 = 0;
            int p8 = 0;
            if (Avx.IsSupported)
            {
                p8 = kc & ~7;
                for (; t8 + 8 <= cols; t8 += 8)
                {
                    float* src = job.B + (long)(jc + q + t8) * ldb + pc;
                    for (int p = 0; p < p8; p += 8)
                    {
                        Transpose8x8(src + p, ldb, dst + p * nr + t8, nr);
                    }
                }
            }
            for (int t = 0; t < nr; t++)
            {
                float* d = dst + t;
                if (t < cols)
                {
                    float* src = job.B + (long)(jc + q + t) * ldb + pc;
                    for (int p = t < t8 ? p8 : 0; p < kc; p++)
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

    /// <summary>
    /// Packs kc rows of `extent` contiguous values (row stride ld) into panels of w: value (p, q + t) goes to
    /// q*kc + p*w + t, zero past extent. Rows are read in order: with large strides (8 KB for n = 2048) a
    /// panel-by-panel walk would touch a new page for every value of p.
    /// </summary>
    private static void PackAlongRows(float* src, long ld, int kc, int extent, int w, float* dst)
    {
        for (int p = 0; p < kc; p++, src += ld)
        {
            float* d = dst + p * w;
            int q = 0;
            if (w == 6 && p + 1 < kc)
            {
                // 6-wide panels (256-bit A): 8 floats stored, the 2 past the panel's row where its row p + 1 goes next.
                for (; q + 8 <= extent; q += 6, d += 6L * kc)
                {
                    Vector128.Store(Vector128.Load(src + q), d);
                    Vector128.Store(Vector128.Load(src + q + 4), d + 4);
                }
            }
            else if (w == 4)
            {
                for (; q + 4 <= extent; q += 4, d += 4L * kc)
                {
                    Vector128.Store(Vector128.Load(src + q), d);
                }
            }
            for (; q + w <= extent; q += w, d += (long)w * kc)
            {
                int t = 0;
                for (; t + 16 <= w; t += 16)
                {
                    Vector512.Store(Vector512.Load(src + q + t), d + t);
                }
                for (; t + 8 <= w; t += 8)
                {
                    Vector256.Store(Vector256.Load(src + q + t), d + t);
                }
                for (; t < w; t++)
                {
                    d[t] = src[q + t];
                }
            }
            if (q < extent)
            {
                int t = 0;
                for (; q + t < extent; t++)
                {
                    d[t] = src[q + t];
                }
                for (; t < w; t++)
                {
                    d[t] = 0;
                }
            }
        }
    }

    /// <summary>Writes the transpose of the 8 x 8 block at src (row stride srcStride) to dst (row stride dstStride).</summary>
    private static void Transpose8x8(float* src, long srcStride, float* dst, long dstStride)
    {
        Vector256<float> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + srcStride);
        Vector256<float> r2 = Avx.LoadVector256(src + 2 * srcStride), r3 = Avx.LoadVector256(src + 3 * srcStride);
        Vector256<float> r4 = Avx.LoadVector256(src + 4 * srcStride), r5 = Avx.LoadVector256(src + 5 * srcStride);
        Vector256<float> r6 = Avx.LoadVector256(src + 6 * srcStride), r7 = Avx.LoadVector256(src + 7 * srcStride);
        Transpose(r0, r1, r2, r3, r4, r5, r6, r7, dst, dstStride);
    }

    /// <summary>
    /// The 8 columns of a 6- or 4-row block at src (row stride srcStride) as consecutive columns of that height at dst:
    /// an 8 x 8 transpose of the rows and zeros whose columns are stored whole (8 floats) with a stride of the height, in
    /// column order, so each column's extra floats land where the next column goes; the caller leaves a column after it.
    /// </summary>
    private static void TransposeColumns(float* src, long srcStride, int rows, float* dst)
    {
        Vector256<float> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + srcStride);
        Vector256<float> r2 = Avx.LoadVector256(src + 2 * srcStride), r3 = Avx.LoadVector256(src + 3 * srcStride);
        Vector256<float> r4 = Vector256<float>.Zero, r5 = Vector256<float>.Zero;
        if (rows == 6)
        {
            r4 = Avx.LoadVector256(src + 4 * srcStride);
            r5 = Avx.LoadVector256(src + 5 * srcStride);
        }
        Transpose(r0, r1, r2, r3, r4, r5, Vector256<float>.Zero, Vector256<float>.Zero, dst, rows);
    }

    // The transpose of the rows r0..r7 (8 floats each) to dst, column j at dst + j * dstStride, stored in the order of j.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, float* dst, long dstStride)
    {
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4 * dstStride, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5 * dstStride, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6 * dstStride, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7 * dstStride, Avx.Permute2x128(s3, s7, 0x31));
    }
}
