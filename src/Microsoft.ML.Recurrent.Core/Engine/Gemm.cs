using System.Diagnostics;

namespace Microsoft.ML.Recurrent.Engine;

/// <summary>
/// Single-precision row-major matrix multiply: C = (accumulate ? C : 0) + op(A) * op(B).
/// op(A) is (m, k): A is stored (m, k) with row stride lda, or (k, m) when transA.
/// op(B) is (k, n): B is stored (k, n) with row stride ldb, or (n, k) when transB.
/// C is (m, n) with row stride ldc. Bit-identical results whatever the thread count.
/// </summary>
internal static class Gemm
{
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, bool accumulate)
    {
        Debug.Assert(m >= 0 && n >= 0 && k >= 0);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += av * bv;
                }
                if (accumulate)
                {
                    c[i * ldc + j] += sum;
                }
                else
                {
                    c[i * ldc + j] = sum;
                }
            }
        }
    }
}
