using System.Numerics;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Recurrent.Engine;

// The small-m path (m <= SmallM, e.g. one recurrent step at batch 1..4): no packing, B is streamed once.
// Vector<float> is enough here: the loop is bound by reading B, not by arithmetic.
internal static unsafe partial class Gemm
{
    private static void SmallRows(GemmJob job, int j0, int j1)
    {
        if (job.TransB)
        {
            SmallDot(job, j0, j1);
        }
        else
        {
            SmallStream(job, j0, j1);
        }
    }

    // B stored (k, n): rows of B are streamed and each column keeps the same order as the blocked path
    // (one fused chain per KC block, block sums added to C), so NN/TN rows do not depend on m either.
    private static void SmallStream(GemmJob job, int j0, int j1)
    {
        int w = Vector<float>.Count;
        int j = j0;
        if (job.M == 1 && job.Level == GemmLevel.Vector512 && (job.Ldb & 15) == 0)
        {
            j = StreamRow512(job, j0, j1);
        }
        if (job.M == 1)
        {
            for (; j + 8 * w <= j1; j += 8 * w)
            {
                Stream1x8(job, j);
            }
        }
        for (; j + 2 * w <= j1; j += 2 * w)
        {
            Stream4x2(job, j);
        }
        for (; j < j1; j++)
        {
            for (int i = 0; i < job.M; i++)
            {
                StreamScalar(job, i, j);
            }
        }
    }

    // One row x 8 vectors: eight independent chains hide the FMA latency (one chain per vector would
    // leave the loop latency-bound when B sits in L2, as for one step at H = 128).
    private static void Stream1x8(GemmJob job, int j)
    {
        int w = Vector<float>.Count;
        int aP = job.TransA ? job.Lda : 1;
        int ldb = job.Ldb;
        float* c = job.C + j;
        for (int pc = 0; pc < job.K; pc += KC)
        {
            int kc = Math.Min(KC, job.K - pc);
            float* a = job.A + (long)pc * aP;
            float* b = job.B + (long)pc * ldb + j;
            Vector<float> c0 = default, c1 = default, c2 = default, c3 = default;
            Vector<float> c4 = default, c5 = default, c6 = default, c7 = default;
            for (int p = 0; p < kc; p++, a += aP, b += ldb)
            {
                var av = new Vector<float>(*a);
                c0 = Vector.FusedMultiplyAdd(av, Vector.Load(b), c0);
                c1 = Vector.FusedMultiplyAdd(av, Vector.Load(b + w), c1);
                c2 = Vector.FusedMultiplyAdd(av, Vector.Load(b + 2 * w), c2);
                c3 = Vector.FusedMultiplyAdd(av, Vector.Load(b + 3 * w), c3);
                c4 = Vector.FusedMultiplyAdd(av, Vector.Load(b + 4 * w), c4);
                c5 = Vector.FusedMultiplyAdd(av, Vector.Load(b + 5 * w), c5);
                c6 = Vector.FusedMultiplyAdd(av, Vector.Load(b + 6 * w), c6);
                c7 = Vector.FusedMultiplyAdd(av, Vector.Load(b + 7 * w), c7);
            }
            bool add = pc > 0 || job.Accumulate;
            StoreV(c, c0, add);
            StoreV(c + w, c1, add);
            StoreV(c + 2 * w, c2, add);
            StoreV(c + 3 * w, c3, add);
            StoreV(c + 4 * w, c4, add);
            StoreV(c + 5 * w, c5, add);
            StoreV(c + 6 * w, c6, add);
            StoreV(c + 7 * w, c7, add);
        }
    }

    // One row with Vector512 loads that are 64-byte aligned in the wide blocks (rows of B are a multiple of 64 bytes
    // apart): a split load costs about twice an aligned one, and this loop is bound by loading B from L2. The columns
    // before the first aligned one, the 16-column blocks left after the wide blocks and the last < 16 columns (one
    // block ending at j1) run together in one loop of up to eight chains, storing only their own columns. Every column
    // keeps the one order of the small-m path, so the result does not depend on which block computes it.
    // Returns the first column left to the other kernels.
    private static int StreamRow512(GemmJob job, int j0, int j1)
    {
        int* offset = stackalloc int[8];
        int* from = stackalloc int[8];
        int count = 0;
        int j = j0;
        int head = (int)((64 - ((nint)(job.B + j) & 63)) & 63) / sizeof(float);
        if (head > 0)
        {
            if (head > j1 - j || j + 16 > job.N)
            {
                return j;
            }
            (offset[0], from[0], count) = (j, -head, 1); // negative: store the first -from columns
            j += head;
        }
        for (; j + 128 <= j1; j += 128)
        {
            RowBlock512(job, j, 8);
        }
        if (j + 64 <= j1)
        {
            RowBlock512(job, j, 4);
            j += 64;
        }
        for (; j + 16 <= j1; j += 16)
        {
            (offset[count], from[count]) = (j, 0);
            count++;
        }
        if (j < j1 && j1 >= 16)
        {
            (offset[count], from[count]) = (j1 - 16, 16 - (j1 - j));
            count++;
            j = j1;
        }
        if (count > 0)
        {
            RowBlocks512(job, offset, from, count);
        }
        return j;
    }

    // Columns [j, j + 16 * vectors) of one row with 8 or 4 independent chains and aligned loads.
    private static void RowBlock512(GemmJob job, int j, int vectors)
    {
        int aP = job.TransA ? job.Lda : 1;
        int ldb = job.Ldb;
        float* c = job.C + j;
        for (int pc = 0; pc < job.K; pc += KC)
        {
            int kc = Math.Min(KC, job.K - pc);
            float* a = job.A + (long)pc * aP;
            float* b = job.B + (long)pc * ldb + j;
            bool add = pc > 0 || job.Accumulate;
            if (vectors == 8)
            {
                var c0 = Vector512<float>.Zero; var c1 = Vector512<float>.Zero;
                var c2 = Vector512<float>.Zero; var c3 = Vector512<float>.Zero;
                var c4 = Vector512<float>.Zero; var c5 = Vector512<float>.Zero;
                var c6 = Vector512<float>.Zero; var c7 = Vector512<float>.Zero;
                for (int p = 0; p < kc; p++, a += aP, b += ldb)
                {
                    var av = Vector512.Create(*a);
                    c0 = Vector512.FusedMultiplyAdd(av, Vector512.LoadAligned(b), c0);
                    c1 = Vector512.FusedMultiplyAdd(av, Vector512.LoadAligned(b + 16), c1);
                    c2 = Vector512.FusedMultiplyAdd(av, Vector512.LoadAligned(b + 32), c2);
                    c3 = Vector512.FusedMultiplyAdd(av, Vector512.LoadAligned(b + 48), c3);
                    c4 = Vector512.FusedMultiplyAdd(av, Vector512.LoadAligned(b + 64), c4);
                    c5 = Vector512.FusedMultiplyAdd(av, Vector512.LoadAligned(b + 80), c5);
                    c6 = Vector512.FusedMultiplyAdd(av, Vector512.LoadAligned(b + 96), c6);
                    c7 = Vector512.FusedMultiplyAdd(av, Vector512.LoadAligned(b + 112), c7);
                }
                Store(c, c0, add); Store(c + 16, c1, add); Store(c + 32, c2, add); Store(c + 48, c3, add);
                Store(c + 64, c4, add); Store(c + 80, c5, add); Store(c + 96, c6, add); Store(c + 112, c7, add);
            }
            else
            {
                var c0 = Vector512<float>.Zero; var c1 = Vector512<float>.Zero;
                var c2 = Vector512<float>.Zero; var c3 = Vector512<float>.Zero;
                for (int p = 0; p < kc; p++, a += aP, b += ldb)
                {
                    var av = Vector512.Create(*a);
                    c0 = Vector512.FusedMultiplyAdd(av, Vector512.LoadAligned(b), c0);
                    c1 = Vector512.FusedMultiplyAdd(av, Vector512.LoadAligned(b + 16), c1);
                    c2 = Vector512.FusedMultiplyAdd(av, Vector512.LoadAligned(b + 32), c2);
                    c3 = Vector512.FusedMultiplyAdd(av, Vector512.LoadAligned(b + 48), c3);
                }
                Store(c, c0, add); Store(c + 16, c1, add); Store(c + 32, c2, add); Store(c + 48, c3, add);
            }
        }
    }

    // Up to eight 16-column blocks of one row at any offsets, in one loop (unused chains repeat block 0 and are not
    // stored). Block i stores columns from[i]..15 of its 16, or its first -from[i] when from[i] is negative.
    private static void RowBlocks512(GemmJob job, int* offset, int* from, int count)
    {
        int aP = job.TransA ? job.Lda : 1;
        int ldb = job.Ldb;
        long o0 = offset[0];
        long o1 = offset[Math.Min(1, count - 1)] - o0, o2 = offset[Math.Min(2, count - 1)] - o0, o3 = offset[Math.Min(3, count - 1)] - o0;
        long o4 = offset[Math.Min(4, count - 1)] - o0, o5 = offset[Math.Min(5, count - 1)] - o0, o6 = offset[Math.Min(6, count - 1)] - o0;
        long o7 = offset[Math.Min(7, count - 1)] - o0;
        float* tile = stackalloc float[8 * 16];
        for (int pc = 0; pc < job.K; pc += KC)
        {
            int kc = Math.Min(KC, job.K - pc);
            float* a = job.A + (long)pc * aP;
            float* b = job.B + (long)pc * ldb + o0;
            var c0 = Vector512<float>.Zero; var c1 = Vector512<float>.Zero;
            var c2 = Vector512<float>.Zero; var c3 = Vector512<float>.Zero;
            var c4 = Vector512<float>.Zero; var c5 = Vector512<float>.Zero;
            var c6 = Vector512<float>.Zero; var c7 = Vector512<float>.Zero;
            for (int p = 0; p < kc; p++, a += aP, b += ldb)
            {
                var av = Vector512.Create(*a);
                c0 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b), c0);
                c1 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b + o1), c1);
                c2 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b + o2), c2);
                c3 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b + o3), c3);
                c4 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b + o4), c4);
                c5 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b + o5), c5);
                c6 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b + o6), c6);
                c7 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b + o7), c7);
            }
            c0.Store(tile); c1.Store(tile + 16); c2.Store(tile + 32); c3.Store(tile + 48);
            c4.Store(tile + 64); c5.Store(tile + 80); c6.Store(tile + 96); c7.Store(tile + 112);
            bool add = pc > 0 || job.Accumulate;
            for (int i = 0; i < count; i++)
            {
                int first = Math.Max(0, from[i]);
                int columns = from[i] < 0 ? -from[i] : 16 - first;
                MergeTile(tile + 16 * i + first, 16, job.C + offset[i] + first, 0, 1, columns, add);
            }
        }
    }

    // Up to 4 rows x 2 vectors; with m < 4 the missing rows repeat the last one and are not stored.
    private static void Stream4x2(GemmJob job, int j)
    {
        int w = Vector<float>.Count;
        int m = job.M;
        int aP = job.TransA ? job.Lda : 1;
        long aI = job.TransA ? 1 : job.Lda;
        int ldb = job.Ldb;
        float* a0 = job.A;
        float* a1 = job.A + Math.Min(1, m - 1) * aI;
        float* a2 = job.A + Math.Min(2, m - 1) * aI;
        float* a3 = job.A + Math.Min(3, m - 1) * aI;
        for (int pc = 0; pc < job.K; pc += KC)
        {
            int kc = Math.Min(KC, job.K - pc);
            long aOffset = (long)pc * aP;
            float* b = job.B + (long)pc * ldb + j;
            Vector<float> c00 = default, c01 = default, c10 = default, c11 = default;
            Vector<float> c20 = default, c21 = default, c30 = default, c31 = default;
            for (int p = 0; p < kc; p++, aOffset += aP, b += ldb)
            {
                var b0 = Vector.Load(b);
                var b1 = Vector.Load(b + w);
                var av = new Vector<float>(a0[aOffset]);
                c00 = Vector.FusedMultiplyAdd(av, b0, c00);
                c01 = Vector.FusedMultiplyAdd(av, b1, c01);
                av = new Vector<float>(a1[aOffset]);
                c10 = Vector.FusedMultiplyAdd(av, b0, c10);
                c11 = Vector.FusedMultiplyAdd(av, b1, c11);
                av = new Vector<float>(a2[aOffset]);
                c20 = Vector.FusedMultiplyAdd(av, b0, c20);
                c21 = Vector.FusedMultiplyAdd(av, b1, c21);
                av = new Vector<float>(a3[aOffset]);
                c30 = Vector.FusedMultiplyAdd(av, b0, c30);
                c31 = Vector.FusedMultiplyAdd(av, b1, c31);
            }
            bool add = pc > 0 || job.Accumulate;
            float* c = job.C + j;
            long ldc = job.Ldc;
            StoreV(c, c00, add);
            StoreV(c + w, c01, add);
            if (m > 1)
            {
                StoreV(c + ldc, c10, add);
                StoreV(c + ldc + w, c11, add);
            }
            if (m > 2)
            {
                StoreV(c + 2 * ldc, c20, add);
                StoreV(c + 2 * ldc + w, c21, add);
            }
            if (m > 3)
            {
                StoreV(c + 3 * ldc, c30, add);
                StoreV(c + 3 * ldc + w, c31, add);
            }
        }
    }

    private static void StreamScalar(GemmJob job, int i, int j)
    {
        int aP = job.TransA ? job.Lda : 1;
        long aI = job.TransA ? 1 : job.Lda;
        float* c = job.C + (long)i * job.Ldc + j;
        for (int pc = 0; pc < job.K; pc += KC)
        {
            int kc = Math.Min(KC, job.K - pc);
            float* a = job.A + i * aI + (long)pc * aP;
            float* b = job.B + (long)pc * job.Ldb + j;
            float sum = 0;
            for (int p = 0; p < kc; p++, a += aP, b += job.Ldb)
            {
                sum = MathF.FusedMultiplyAdd(*a, *b, sum);
            }
            *c = pc > 0 || job.Accumulate ? *c + sum : sum;
        }
    }

    private static void StoreV(float* c, Vector<float> v, bool add) => (add ? Vector.Load(c) + v : v).Store(c);
}
