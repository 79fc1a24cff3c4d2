using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.Recurrent.Engine;

// Register-tile kernels: C tile (MR x NR, stride ldc) = (add ? C : 0) + sum over p of a[p] (x) b[p], where the
// sum is one fused multiply-add chain per element in p order, started from +0, and added to C once at the end.
// One shape at every width: MR rows of A broadcast against 2 vectors of B (NR = 2 x the vector's floats); MR follows
// the register file: 8 rows (16 accumulators) with 32 vector registers (AVX-512's zmm, Arm64's NEON), 6 rows
// (12 accumulators + 2 of B + 1 broadcast = 15) with 16 (AVX2's ymm, x86's xmm). All produce bit-identical results
// for the same packed input. They are written out per width rather than once against IFloatVector<T>: through that
// wrapper the JIT (.NET 10) allocates the accumulators worse (vfmadd213 into the broadcast's register, then 16
// register moves per two steps of p in the 512-bit kernel), so the kernels stay in the form whose code was checked.
internal static unsafe partial class Gemm
{
    // 8 x 32 tile with Vector512<float>: 16 accumulators; a is (kc, 8), b is (kc, 32), both packed.
    private static void Kernel8x32(int kc, float* a, float* b, float* c, int ldc, bool add)
    {
        var c00 = Vector512<float>.Zero; var c01 = Vector512<float>.Zero;
        var c10 = Vector512<float>.Zero; var c11 = Vector512<float>.Zero;
        var c20 = Vector512<float>.Zero; var c21 = Vector512<float>.Zero;
        var c30 = Vector512<float>.Zero; var c31 = Vector512<float>.Zero;
        var c40 = Vector512<float>.Zero; var c41 = Vector512<float>.Zero;
        var c50 = Vector512<float>.Zero; var c51 = Vector512<float>.Zero;
        var c60 = Vector512<float>.Zero; var c61 = Vector512<float>.Zero;
        var c70 = Vector512<float>.Zero; var c71 = Vector512<float>.Zero;
        // Two p at a time: the loop's own instructions are a fifth of the issue slots at one p per iteration.
        int p = 0;
        for (; p + 1 < kc; p += 2, a += 16, b += 64)
        {
            var b0 = Vector512.Load(b + 0);
            var b1 = Vector512.Load(b + 16);
            var a0 = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(a6, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(a7, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);

            b0 = Vector512.Load(b + 32);
            b1 = Vector512.Load(b + 48);
            a0 = Vector512.Create(a[8]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            a1 = Vector512.Create(a[9]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            a2 = Vector512.Create(a[10]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            a3 = Vector512.Create(a[11]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            a4 = Vector512.Create(a[12]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            a5 = Vector512.Create(a[13]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            a6 = Vector512.Create(a[14]);
            c60 = Vector512.FusedMultiplyAdd(a6, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
            a7 = Vector512.Create(a[15]);
            c70 = Vector512.FusedMultiplyAdd(a7, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
        }
        if (p < kc)
        {
            var b0 = Vector512.Load(b + 0);
            var b1 = Vector512.Load(b + 16);
            var a0 = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(a6, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(a7, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
        }
        Store(c + 0 * (long)ldc + 0, c00, add);
        Store(c + 0 * (long)ldc + 16, c01, add);
        Store(c + 1 * (long)ldc + 0, c10, add);
        Store(c + 1 * (long)ldc + 16, c11, add);
        Store(c + 2 * (long)ldc + 0, c20, add);
        Store(c + 2 * (long)ldc + 16, c21, add);
        Store(c + 3 * (long)ldc + 0, c30, add);
        Store(c + 3 * (long)ldc + 16, c31, add);
        Store(c + 4 * (long)ldc + 0, c40, add);
        Store(c + 4 * (long)ldc + 16, c41, add);
        Store(c + 5 * (long)ldc + 0, c50, add);
        Store(c + 5 * (long)ldc + 16, c51, add);
        Store(c + 6 * (long)ldc + 0, c60, add);
        Store(c + 6 * (long)ldc + 16, c61, add);
        Store(c + 7 * (long)ldc + 0, c70, add);
        Store(c + 7 * (long)ldc + 16, c71, add);
    }

    // 6 x 16 tile with Vector256<float>: 12 accumulators; a is (kc, 6), b is (kc, 16), both packed.
    private static void Kernel6x16(int kc, float* a, float* b, float* c, int ldc, bool add)
    {
        var c00 = Vector256<float>.Zero; var c01 = Vector256<float>.Zero;
        var c10 = Vector256<float>.Zero; var c11 = Vector256<float>.Zero;
        var c20 = Vector256<float>.Zero; var c21 = Vector256<float>.Zero;
        var c30 = Vector256<float>.Zero; var c31 = Vector256<float>.Zero;
        var c40 = Vector256<float>.Zero; var c41 = Vector256<float>.Zero;
        var c50 = Vector256<float>.Zero; var c51 = Vector256<float>.Zero;
        PrefetchTile(c, ldc, 6);
        // Two p at a time, as in Kernel8x32.
        int p = 0;
        for (; p + 1 < kc; p += 2, a += 12, b += 32)
        {
            var b0 = Vector256.Load(b + 0);
            var b1 = Vector256.Load(b + 8);
            var a0 = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);

            b0 = Vector256.Load(b + 16);
            b1 = Vector256.Load(b + 24);
            a0 = Vector256.Create(a[6]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            a1 = Vector256.Create(a[7]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            a2 = Vector256.Create(a[8]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            a3 = Vector256.Create(a[9]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            a4 = Vector256.Create(a[10]);
            c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
            a5 = Vector256.Create(a[11]);
            c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
        }
        if (p < kc)
        {
            var b0 = Vector256.Load(b + 0);
            var b1 = Vector256.Load(b + 8);
            var a0 = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
        }
        Store(c + 0 * (long)ldc + 0, c00, add);
        Store(c + 0 * (long)ldc + 8, c01, add);
        Store(c + 1 * (long)ldc + 0, c10, add);
        Store(c + 1 * (long)ldc + 8, c11, add);
        Store(c + 2 * (long)ldc + 0, c20, add);
        Store(c + 2 * (long)ldc + 8, c21, add);
        Store(c + 3 * (long)ldc + 0, c30, add);
        Store(c + 3 * (long)ldc + 8, c31, add);
        Store(c + 4 * (long)ldc + 0, c40, add);
        Store(c + 4 * (long)ldc + 8, c41, add);
        Store(c + 5 * (long)ldc + 0, c50, add);
        Store(c + 5 * (long)ldc + 8, c51, add);
    }

    // Scalar fallback, 4 x 4; MathF.FusedMultiplyAdd rounds like the vector lanes.
    private static void Kernel4x4(int kc, float* a, float* b, float* c, int ldc, bool add)
    {
        float* acc = stackalloc float[16];
        for (int e = 0; e < 16; e++)
        {
            acc[e] = 0;
        }
        for (int p = 0; p < kc; p++, a += 4, b += 4)
        {
            for (int r = 0; r < 4; r++)
            {
                float ar = a[r];
                for (int t = 0; t < 4; t++)
                {
                    acc[r * 4 + t] = MathF.FusedMultiplyAdd(ar, b[t], acc[r * 4 + t]);
                }
            }
        }
        for (int r = 0; r < 4; r++)
        {
            float* cr = c + (long)r * ldc;
            for (int t = 0; t < 4; t++)
            {
                cr[t] = add ? cr[t] + acc[r * 4 + t] : acc[r * 4 + t];
            }
        }
    }

    // The C tile's rows (16 floats each, one or two cache lines, ldc apart) into L1 while the chain runs, as OpenBLAS's
    // Haswell kernel does: at 256 bits the rows arrive late otherwise (1024^3 on two threads, 10 alternated pairs on a
    // loaded machine: faster in 9). A hint only: the arithmetic and its order do not change.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTile(float* c, int ldc, int rows)
    {
        if (Sse.IsSupported)
        {
            for (int r = 0; r < rows; r++)
            {
                Sse.Prefetch0(c + (long)r * ldc);
                Sse.Prefetch0(c + (long)r * ldc + 15);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector512<float> v, bool add) => (add ? Vector512.Load(c) + v : v).Store(c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector256<float> v, bool add) => (add ? Vector256.Load(c) + v : v).Store(c);
}
