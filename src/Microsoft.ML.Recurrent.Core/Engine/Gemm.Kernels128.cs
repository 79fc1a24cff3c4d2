using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Recurrent.Engine;

// The 128-bit register tiles (SSE/AVX xmm, Arm64 NEON), in the shape and order of Gemm.Kernels.cs.
internal static unsafe partial class Gemm
{
    // 6 x 8 tile with Vector128<float>: 12 accumulators; a is (kc, 6), b is (kc, 8), both packed.
    private static void Kernel6x8(int kc, float* a, float* b, float* c, int ldc, bool add)
    {
        var c00 = Vector128<float>.Zero; var c01 = Vector128<float>.Zero;
        var c10 = Vector128<float>.Zero; var c11 = Vector128<float>.Zero;
        var c20 = Vector128<float>.Zero; var c21 = Vector128<float>.Zero;
        var c30 = Vector128<float>.Zero; var c31 = Vector128<float>.Zero;
        var c40 = Vector128<float>.Zero; var c41 = Vector128<float>.Zero;
        var c50 = Vector128<float>.Zero; var c51 = Vector128<float>.Zero;
        // Two p at a time, as in Kernel8x32.
        int p = 0;
        for (; p + 1 < kc; p += 2, a += 12, b += 16)
        {
            var b0 = Vector128.Load(b + 0);
            var b1 = Vector128.Load(b + 4);
            var a0 = Vector128.Create(a[0]);
            c00 = Vector128.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector128.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector128.Create(a[1]);
            c10 = Vector128.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector128.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector128.Create(a[2]);
            c20 = Vector128.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector128.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector128.Create(a[3]);
            c30 = Vector128.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector128.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector128.Create(a[4]);
            c40 = Vector128.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector128.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector128.Create(a[5]);
            c50 = Vector128.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector128.FusedMultiplyAdd(a5, b1, c51);

            b0 = Vector128.Load(b + 8);
            b1 = Vector128.Load(b + 12);
            a0 = Vector128.Create(a[6]);
            c00 = Vector128.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector128.FusedMultiplyAdd(a0, b1, c01);
            a1 = Vector128.Create(a[7]);
            c10 = Vector128.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector128.FusedMultiplyAdd(a1, b1, c11);
            a2 = Vector128.Create(a[8]);
            c20 = Vector128.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector128.FusedMultiplyAdd(a2, b1, c21);
            a3 = Vector128.Create(a[9]);
            c30 = Vector128.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector128.FusedMultiplyAdd(a3, b1, c31);
            a4 = Vector128.Create(a[10]);
            c40 = Vector128.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector128.FusedMultiplyAdd(a4, b1, c41);
            a5 = Vector128.Create(a[11]);
            c50 = Vector128.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector128.FusedMultiplyAdd(a5, b1, c51);
        }
        if (p < kc)
        {
            var b0 = Vector128.Load(b + 0);
            var b1 = Vector128.Load(b + 4);
            var a0 = Vector128.Create(a[0]);
            c00 = Vector128.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector128.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector128.Create(a[1]);
            c10 = Vector128.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector128.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector128.Create(a[2]);
            c20 = Vector128.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector128.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector128.Create(a[3]);
            c30 = Vector128.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector128.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector128.Create(a[4]);
            c40 = Vector128.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector128.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector128.Create(a[5]);
            c50 = Vector128.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector128.FusedMultiplyAdd(a5, b1, c51);
        }
        Store(c + 0 * (long)ldc + 0, c00, add);
        Store(c + 0 * (long)ldc + 4, c01, add);
        Store(c + 1 * (long)ldc + 0, c10, add);
        Store(c + 1 * (long)ldc + 4, c11, add);
        Store(c + 2 * (long)ldc + 0, c20, add);
        Store(c + 2 * (long)ldc + 4, c21, add);
        Store(c + 3 * (long)ldc + 0, c30, add);
        Store(c + 3 * (long)ldc + 4, c31, add);
        Store(c + 4 * (long)ldc + 0, c40, add);
        Store(c + 4 * (long)ldc + 4, c41, add);
        Store(c + 5 * (long)ldc + 0, c50, add);
        Store(c + 5 * (long)ldc + 4, c51, add);
    }

    // 8 x 8 tile with Vector128<float> where there are 32 vector registers (Arm64 NEON): 16 accumulators, as
    // Kernel8x32; a is (kc, 8), b is (kc, 8), both packed. On x86 (16 xmm) Kernel6x8 is the tile.
    private static void Kernel8x8(int kc, float* a, float* b, float* c, int ldc, bool add)
    {
        var c00 = Vector128<float>.Zero; var c01 = Vector128<float>.Zero;
        var c10 = Vector128<float>.Zero; var c11 = Vector128<float>.Zero;
        var c20 = Vector128<float>.Zero; var c21 = Vector128<float>.Zero;
        var c30 = Vector128<float>.Zero; var c31 = Vector128<float>.Zero;
        var c40 = Vector128<float>.Zero; var c41 = Vector128<float>.Zero;
        var c50 = Vector128<float>.Zero; var c51 = Vector128<float>.Zero;
        var c60 = Vector128<float>.Zero; var c61 = Vector128<float>.Zero;
        var c70 = Vector128<float>.Zero; var c71 = Vector128<float>.Zero;
        // Two p at a time, as in Kernel8x32.
        int p = 0;
        for (; p + 1 < kc; p += 2, a += 16, b += 16)
        {
            var b0 = Vector128.Load(b + 0);
            var b1 = Vector128.Load(b + 4);
            var a0 = Vector128.Create(a[0]);
            c00 = Vector128.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector128.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector128.Create(a[1]);
            c10 = Vector128.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector128.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector128.Create(a[2]);
            c20 = Vector128.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector128.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector128.Create(a[3]);
            c30 = Vector128.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector128.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector128.Create(a[4]);
            c40 = Vector128.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector128.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector128.Create(a[5]);
            c50 = Vector128.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector128.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector128.Create(a[6]);
            c60 = Vector128.FusedMultiplyAdd(a6, b0, c60);
            c61 = Vector128.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector128.Create(a[7]);
            c70 = Vector128.FusedMultiplyAdd(a7, b0, c70);
            c71 = Vector128.FusedMultiplyAdd(a7, b1, c71);

            b0 = Vector128.Load(b + 8);
            b1 = Vector128.Load(b + 12);
            a0 = Vector128.Create(a[8]);
            c00 = Vector128.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector128.FusedMultiplyAdd(a0, b1, c01);
            a1 = Vector128.Create(a[9]);
            c10 = Vector128.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector128.FusedMultiplyAdd(a1, b1, c11);
            a2 = Vector128.Create(a[10]);
            c20 = Vector128.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector128.FusedMultiplyAdd(a2, b1, c21);
            a3 = Vector128.Create(a[11]);
            c30 = Vector128.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector128.FusedMultiplyAdd(a3, b1, c31);
            a4 = Vector128.Create(a[12]);
            c40 = Vector128.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector128.FusedMultiplyAdd(a4, b1, c41);
            a5 = Vector128.Create(a[13]);
            c50 = Vector128.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector128.FusedMultiplyAdd(a5, b1, c51);
            a6 = Vector128.Create(a[14]);
            c60 = Vector128.FusedMultiplyAdd(a6, b0, c60);
            c61 = Vector128.FusedMultiplyAdd(a6, b1, c61);
            a7 = Vector128.Create(a[15]);
            c70 = Vector128.FusedMultiplyAdd(a7, b0, c70);
            c71 = Vector128.FusedMultiplyAdd(a7, b1, c71);
        }
        if (p < kc)
        {
            var b0 = Vector128.Load(b + 0);
            var b1 = Vector128.Load(b + 4);
            var a0 = Vector128.Create(a[0]);
            c00 = Vector128.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector128.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector128.Create(a[1]);
            c10 = Vector128.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector128.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector128.Create(a[2]);
            c20 = Vector128.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector128.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector128.Create(a[3]);
            c30 = Vector128.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector128.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector128.Create(a[4]);
            c40 = Vector128.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector128.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector128.Create(a[5]);
            c50 = Vector128.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector128.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector128.Create(a[6]);
            c60 = Vector128.FusedMultiplyAdd(a6, b0, c60);
            c61 = Vector128.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector128.Create(a[7]);
            c70 = Vector128.FusedMultiplyAdd(a7, b0, c70);
            c71 = Vector128.FusedMultiplyAdd(a7, b1, c71);
        }
        Store(c + 0 * (long)ldc + 0, c00, add);
        Store(c + 0 * (long)ldc + 4, c01, add);
        Store(c + 1 * (long)ldc + 0, c10, add);
        Store(c + 1 * (long)ldc + 4, c11, add);
        Store(c + 2 * (long)ldc + 0, c20, add);
        Store(c + 2 * (long)ldc + 4, c21, add);
        Store(c + 3 * (long)ldc + 0, c30, add);
        Store(c + 3 * (long)ldc + 4, c31, add);
        Store(c + 4 * (long)ldc + 0, c40, add);
        Store(c + 4 * (long)ldc + 4, c41, add);
        Store(c + 5 * (long)ldc + 0, c50, add);
        Store(c + 5 * (long)ldc + 4, c51, add);
        Store(c + 6 * (long)ldc + 0, c60, add);
        Store(c + 6 * (long)ldc + 4, c61, add);
        Store(c + 7 * (long)ldc + 0, c70, add);
        Store(c + 7 * (long)ldc + 4, c71, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector128<float> v, bool add) => (add ? Vector128.Load(c) + v : v).Store(c);
}
