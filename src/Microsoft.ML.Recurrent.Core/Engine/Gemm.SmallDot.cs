using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Recurrent.Engine;

// The small-m path for B stored (n, k): every output is a dot product along k of a row of op(A) and a row of B, both
// contiguous (op(A) rows are gathered first when transA). One order at every width: eight lanes, lane l a fused
// multiply-add chain over the p = l (mod 8) below the last multiple of 8, summed ((l0 + l1) + (l2 + l3)) + ((l4 + l5) +
// (l6 + l7)) (what Vector256.Sum does on x86), then a scalar chain over the k % 8 tail is added. The lanes are one
// Vector256 where 256-bit vectors are accelerated, two Vector128 (lanes 0-3 and 4-7) where only 128-bit ones are, and
// eight floats otherwise, so a 128-bit machine (Arm NEON, or .NET limited to 128-bit vectors) gets the same bits.
internal static unsafe partial class Gemm
{
    private static void SmallDot(GemmJob job, int j0, int j1)
    {
        int m = job.M;
        int k = job.K;
        float* a = job.A;
        long lda = job.Lda;
        if (job.TransA)
        {
            // Gather op(A) (m, k) from A stored (k, m); Plan keeps m * k within the buffer.
            float* ap = PackBufferA();
            for (int i = 0; i < m; i++)
            {
                for (int p = 0; p < k; p++)
                {
                    ap[(long)i * k + p] = job.A[(long)p * job.Lda + i];
                }
            }
            a = ap;
            lda = k;
        }
        bool wide = Vector256.IsHardwareAccelerated;
        bool narrow = !wide && Vector128.IsHardwareAccelerated;
        for (int i = 0; i < m; i++)
        {
            float* ai = a + i * lda;
            float* ci = job.C + (long)i * job.Ldc;
            int j = j0;
            if (wide)
            {
                for (; j + 8 <= j1; j += 8)
                {
                    Dot8(ai, job.B + (long)j * job.Ldb, job.Ldb, k, ci + j, job.Accumulate);
                }
                for (; j + 4 <= j1; j += 4)
                {
                    Dot4(ai, job.B + (long)j * job.Ldb, job.Ldb, k, ci + j, job.Accumulate);
                }
            }
            else if (narrow)
            {
                for (; j + 4 <= j1; j += 4)
                {
                    Dot4Narrow(ai, job.B + (long)j * job.Ldb, job.Ldb, k, ci + j, job.Accumulate);
                }
            }
            for (; j < j1; j++)
            {
                float s = Dot1(ai, job.B + (long)j * job.Ldb, k);
                ci[j] = job.Accumulate ? ci[j] + s : s;
            }
        }
    }

    // Eight rows of B against one row of op(A): eight independent chains (see Stream1x8).
    private static void Dot8(float* a, float* b, long ldb, int k, float* c, bool add)
    {
        float* b1 = b + ldb, b2 = b + 2 * ldb, b3 = b + 3 * ldb;
        float* b4 = b + 4 * ldb, b5 = b + 5 * ldb, b6 = b + 6 * ldb, b7 = b + 7 * ldb;
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        Vector256<float> s4 = default, s5 = default, s6 = default, s7 = default;
        int p = 0;
        for (; p + 8 <= k; p += 8)
        {
            var av = Vector256.Load(a + p);
            s0 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b + p), s0);
            s1 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b1 + p), s1);
            s2 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b2 + p), s2);
            s3 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b3 + p), s3);
            s4 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b4 + p), s4);
            s5 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b5 + p), s5);
            s6 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b6 + p), s6);
            s7 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b7 + p), s7);
        }
        c[0] = Finish(Lanes(s0), a, b, p, k, c[0], add);
        c[1] = Finish(Lanes(s1), a, b1, p, k, c[1], add);
        c[2] = Finish(Lanes(s2), a, b2, p, k, c[2], add);
        c[3] = Finish(Lanes(s3), a, b3, p, k, c[3], add);
        c[4] = Finish(Lanes(s4), a, b4, p, k, c[4], add);
        c[5] = Finish(Lanes(s5), a, b5, p, k, c[5], add);
        c[6] = Finish(Lanes(s6), a, b6, p, k, c[6], add);
        c[7] = Finish(Lanes(s7), a, b7, p, k, c[7], add);
    }

    private static void Dot4(float* a, float* b, long ldb, int k, float* c, bool add)
    {
        float* b1 = b + ldb, b2 = b + 2 * ldb, b3 = b + 3 * ldb;
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        int p = 0;
        for (; p + 8 <= k; p += 8)
        {
            var av = Vector256.Load(a + p);
            s0 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b + p), s0);
            s1 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b1 + p), s1);
            s2 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b2 + p), s2);
            s3 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b3 + p), s3);
        }
        c[0] = Finish(Lanes(s0), a, b, p, k, c[0], add);
        c[1] = Finish(Lanes(s1), a, b1, p, k, c[1], add);
        c[2] = Finish(Lanes(s2), a, b2, p, k, c[2], add);
        c[3] = Finish(Lanes(s3), a, b3, p, k, c[3], add);
    }

    // Dot4 with the eight lanes in two Vector128 (p = 0..3 and 4..7 of each group of 8): the same chains, the same bits.
    private static void Dot4Narrow(float* a, float* b, long ldb, int k, float* c, bool add)
    {
        float* b1 = b + ldb, b2 = b + 2 * ldb, b3 = b + 3 * ldb;
        Vector128<float> l0 = default, l1 = default, l2 = default, l3 = default;
        Vector128<float> h0 = default, h1 = default, h2 = default, h3 = default;
        int p = 0;
        for (; p + 8 <= k; p += 8)
        {
            var al = Vector128.Load(a + p);
            var ah = Vector128.Load(a + p + 4);
            l0 = Vector128.FusedMultiplyAdd(al, Vector128.Load(b + p), l0);
            h0 = Vector128.FusedMultiplyAdd(ah, Vector128.Load(b + p + 4), h0);
            l1 = Vector128.FusedMultiplyAdd(al, Vector128.Load(b1 + p), l1);
            h1 = Vector128.FusedMultiplyAdd(ah, Vector128.Load(b1 + p + 4), h1);
            l2 = Vector128.FusedMultiplyAdd(al, Vector128.Load(b2 + p), l2);
            h2 = Vector128.FusedMultiplyAdd(ah, Vector128.Load(b2 + p + 4), h2);
            l3 = Vector128.FusedMultiplyAdd(al, Vector128.Load(b3 + p), l3);
            h3 = Vector128.FusedMultiplyAdd(ah, Vector128.Load(b3 + p + 4), h3);
        }
        c[0] = Finish(Lanes(l0, h0), a, b, p, k, c[0], add);
        c[1] = Finish(Lanes(l1, h1), a, b1, p, k, c[1], add);
        c[2] = Finish(Lanes(l2, h2), a, b2, p, k, c[2], add);
        c[3] = Finish(Lanes(l3, h3), a, b3, p, k, c[3], add);
    }

    // One row of B, eight scalar chains: the columns left over, at any width.
    private static float Dot1(float* a, float* b, int k)
    {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int p = 0;
        for (; p + 8 <= k; p += 8)
        {
            s0 = MathF.FusedMultiplyAdd(a[p], b[p], s0);
            s1 = MathF.FusedMultiplyAdd(a[p + 1], b[p + 1], s1);
            s2 = MathF.FusedMultiplyAdd(a[p + 2], b[p + 2], s2);
            s3 = MathF.FusedMultiplyAdd(a[p + 3], b[p + 3], s3);
            s4 = MathF.FusedMultiplyAdd(a[p + 4], b[p + 4], s4);
            s5 = MathF.FusedMultiplyAdd(a[p + 5], b[p + 5], s5);
            s6 = MathF.FusedMultiplyAdd(a[p + 6], b[p + 6], s6);
            s7 = MathF.FusedMultiplyAdd(a[p + 7], b[p + 7], s7);
        }
        return Finish(Lanes(s0, s1, s2, s3, s4, s5, s6, s7), a, b, p, k, 0, add: false);
    }

    // The lane sum plus the scalar chain over the k % 8 tail from p, added to c when add.
    private static float Finish(float lanes, float* a, float* b, int p, int k, float c, bool add)
    {
        float t = 0;
        for (; p < k; p++)
        {
            t = MathF.FusedMultiplyAdd(a[p], b[p], t);
        }
        float r = lanes + t;
        return add ? c + r : r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Lanes(Vector256<float> s) => Lanes(s.GetLower(), s.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Lanes(Vector128<float> low, Vector128<float> high) =>
        Lanes(low.GetElement(0), low.GetElement(1), low.GetElement(2), low.GetElement(3),
            high.GetElement(0), high.GetElement(1), high.GetElement(2), high.GetElement(3));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Lanes(float l0, float l1, float l2, float l3, float l4, float l5, float l6, float l7) =>
        ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7));
}
