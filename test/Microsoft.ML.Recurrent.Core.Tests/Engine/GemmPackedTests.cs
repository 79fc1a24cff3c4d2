using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Tests.Engine;

/// <summary>A product with B packed once equals <see cref="Gemm.Multiply"/> with row-major B bit for bit, row by row, whatever m.</summary>
[TestClass]
public sealed class GemmPackedTests
{
    private GemmLevel _savedLevel;

    [TestInitialize]
    public void Save() => _savedLevel = Gemm.Level;

    [TestCleanup]
    public void Restore() => Gemm.Level = _savedLevel;

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void MultiplyPacked_AnyM_BitIdenticalToMultiply(bool transB)
    {
        var rng = new Random(3);
        foreach (GemmLevel level in Enum.GetValues<GemmLevel>().Where(l => l <= Gemm.HardwareLevel))
        {
            Gemm.Level = level;
            foreach ((int n, int k) in new[] { (512, 128), (1100, 300), (37, 5), (96, 600) })
            {
                float[] a = Values(rng, 40 * k), b = Values(rng, n * k);
                int ldb = transB ? k : n;
                // The reference: row-major B (transpose explicitly when B is given as (n, k)).
                float[] bRowMajor = b;
                if (transB)
                {
                    bRowMajor = new float[k * n];
                    for (int j = 0; j < n; j++)
                    {
                        for (int p = 0; p < k; p++)
                        {
                            bRowMajor[p * n + j] = b[j * k + p];
                        }
                    }
                }
                var packed = new PackedMatrix();
                Gemm.Pack(transB, k, n, b, ldb, packed);
                foreach (bool accumulate in new[] { false, true })
                {
                    foreach (int m in new[] { 1, 2, 3, 4, 5, 9, 40 })
                    {
                        float[] start = Values(rng, m * n);
                        var expected = (float[])start.Clone();
                        Gemm.Multiply(false, false, m, n, k, a, k, bRowMajor, n, expected, n, accumulate);
                        var actual = (float[])start.Clone();
                        Gemm.MultiplyPacked(m, a, k, packed, actual, n, accumulate);
                        TestAssert.AssertBitIdentical(expected, actual, $"{level}, m={m}, n={n}, k={k}, transB={transB}, accumulate={accumulate}");
                    }
                }
            }
        }
    }

    private static float[] Values(Random rng, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
}
