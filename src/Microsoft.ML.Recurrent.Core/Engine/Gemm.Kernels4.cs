using System.Runtime.Intrinsics;

namespace Microsoft.ML.Recurrent.Engine;

// Four-row register tiles beside the 6-row ones of the 16-register paths (Kernel6x16, Kernel6x8), for the rows a block
// leaves over: a batch slice of 32 rows is 6+6+6+6+4+4 rows of work instead of 6 x 6 = 36 (see FullHeightRows). Same
// packed B panels, same fused chain per element in p order from +0, so the results are bit-identical to the 6-row tiles'.
internal static unsafe partial class Gemm
{
    // 4 x 16 tile with Vector256<float>: 8 accumulators; a is (kc, 4), b is (kc, 16), both packed.
    private static void Kernel4x16(int kc, float* a, float* b, float* c, int ldc, bool add)
    {
        var c00 = Vector256<float>.Zero; var c01 = Vector256<float>.Zero;
        var c10 = Vector256<float>.Zero; var c11 = Vector256<float>.Zero;
        var c20 = Vector256<float>.Zero; var c21 = Vector256<float>.Zero;
        var c30 = Vector256<float>.Zero; var c31 = Vector256<float>.Zero;
        PrefetchTile(c, ldc, 4);
        // Two p at a time, as in Kernel8x32.
        int p = 0;
        for (; p + 1 < kc; p += 2, a += 8, b += 32)
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

            b0 = Vector256.Load(b + 16);
            b1 = Vector256.Load(b + 24);
            a0 = Vector256.Create(a[4]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            a1 = Vector256.Create(a[5]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            a2 = Vector256.Create(a[6]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            a3 = Vector256.Create(a[7]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
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
        }
        Store(c + 0 * (long)ldc + 0, c00, add);
        Store(c + 0 * (long)ldc + 8, c01, add);
        Store(c + 1 * (long)ldc + 0, c10, add);
        Store(c + 1 * (long)ldc + 8, c11, add);
        Store(c + 2 * (long)ldc + 0, c20, add);
        Store(c + 2 * (long)ldc + 8, c21, add);
        Store(c + 3 * (long)ldc + 0, c30, add);
        Store(c + 3 * (long)ldc + 8, c31, add);
    }

    // 4 x 8 tile with Vector128<float>: 8 accumulators; a is (kc, 4), b is (kc, 8), both packed.
    private static void Kernel4x8(int kc, float* a, float* b, float* c, int ldc, bool add)
    {
        var c00 = Vector128<float>.Zero; var c01 = Vector128<float>.Zero;
        var c10 = Vector128<float>.Zero; var c11 = Vector128<float>.Zero;
        var c20 = Vector128<float>.Zero; var c21 = Vector128<float>.Zero;
        var c30 = Vector128<float>.Zero; var c31 = Vector128<float>.Zero;
        // Two p at a time, as in Kernel8x32.
        int p = 0;
        for (; p + 1 < kc; p += 2, a += 8, b += 16)
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

            b0 = Vector128.Load(b + 8);
            b1 = Vector128.Load(b + 12);
            a0 = Vector128.Create(a[4]);
            c00 = Vector128.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector128.FusedMultiplyAdd(a0, b1, c01);
            a1 = Vector128.Create(a[5]);
            c10 = Vector128.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector128.FusedMultiplyAdd(a1, b1, c11);
            a2 = Vector128.Create(a[6]);
            c20 = Vector128.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector128.FusedMultiplyAdd(a2, b1, c21);
            a3 = Vector128.Create(a[7]);
            c30 = Vector128.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector128.FusedMultiplyAdd(a3, b1, c31);
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
        }
        Store(c + 0 * (long)ldc + 0, c00, add);
        Store(c + 0 * (long)ldc + 4, c01, add);
        Store(c + 1 * (long)ldc + 0, c10, add);
        Store(c + 1 * (long)ldc + 4, c11, add);
        Store(c + 2 * (long)ldc + 0, c20, add);
        Store(c + 2 * (long)ldc + 4, c21, add);
        Store(c + 3 * (long)ldc + 0, c30, add);
        Store(c + 3 * (long)ldc + 4, c31, add);
    }
}
