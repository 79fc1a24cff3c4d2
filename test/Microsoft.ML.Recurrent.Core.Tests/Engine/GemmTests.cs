using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Tests.Engine;

[TestClass]
public sealed class GemmTests
{
    private static readonly int[] Sizes = [0, 1, 2, 3, 5, 7, 15, 16, 17, 31, 33, 63, 65, 129, 257];

    private int _savedThreads;
    private GemmLevel _savedLevel;

    [TestInitialize]
    public void Save()
    {
        _savedThreads = ComputeSettings.MaxThreads;
        _savedLevel = Gemm.Level;
    }

    [TestCleanup]
    public void Restore()
    {
        ComputeSettings.MaxThreads = _savedThreads;
        Gemm.Level = _savedLevel;
    }

    [TestMethod]
    public void Multiply_OddShapesAllTransposes_MatchesDoubleReference()
    {
        var rng = new Random(1);
        int count = 0;
        for (int im = 0; im < Sizes.Length; im++)
        {
            for (int inn = 0; inn < Sizes.Length; inn++)
            {
                int m = Sizes[im];
                int n = Sizes[inn];
                int k = Sizes[(im * 7 + inn * 3 + 5) % Sizes.Length];
                if ((long)m * n * k > 1_500_000)
                {
                    k = 17;
                }
                int combo = count++ % 8;
                bool transA = (combo & 1) != 0;
                bool transB = (combo & 2) != 0;
                bool accumulate = (combo & 4) != 0;
                CheckAgainstReference(rng, transA, transB, m, n, k, accumulate, pad: (im + inn) % 3);
            }
        }
    }

    [TestMethod]
    [DataRow(false, false)]
    [DataRow(false, true)]
    [DataRow(true, false)]
    [DataRow(true, true)]
    public void Multiply_EachTransposeCombo_MatchesDoubleReference(bool transA, bool transB)
    {
        var rng = new Random(2);
        // Small-m path, blocked path with edge tiles, k across several KC blocks, strides larger than rows.
        int[][] shapes = [[1, 257, 129], [2, 65, 300], [3, 33, 7], [4, 129, 65], [5, 31, 257], [17, 63, 600], [129, 65, 33], [65, 257, 5]];
        foreach (int[] s in shapes)
        {
            CheckAgainstReference(rng, transA, transB, s[0], s[1], s[2], accumulate: false, pad: 3);
            CheckAgainstReference(rng, transA, transB, s[0], s[1], s[2], accumulate: true, pad: 0);
        }
    }

    [TestMethod]
    public void Multiply_EveryInstructionSet_BitIdenticalAndCorrect()
    {
        var rng = new Random(3);
        for (int combo = 0; combo < 4; combo++)
        {
            bool transA = (combo & 1) != 0;
            bool transB = (combo & 2) != 0;
            foreach ((int m, int n, int k) in new[] { (37, 45, 300), (9, 70, 33), (2, 40, 260) })
            {
                var p = Problem.Create(rng, transA, transB, m, n, k, pad: 1);
                Gemm.Level = Gemm.HardwareLevel;
                float[] expected = p.Run(accumulate: true);
                for (var level = GemmLevel.Scalar; level <= Gemm.HardwareLevel; level++)
                {
                    Gemm.Level = level;
                    float[] actual = p.Run(accumulate: true);
                    TestAssert.AssertBitIdentical(expected, actual, $"{level} {p}");
                }
                TestAssert.AssertClose(p.Reference(accumulate: true), expected, 1e-5, Tolerance(k), p.ToString());
            }
        }
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void Multiply_EveryRowRemainderOfTheSixRowTile_BitIdenticalOnEveryPathAndThreadCount(bool transA)
    {
        // The 6-row tiles (256-bit, x86's 128-bit) leave a block's last rows to 4-row tiles: 32 rows are 6+6+6+6+4+4,
        // 7 are 4 and an edge of 3. Every remainder of 6, blocks past MC (120) rows, one thread and two.
        var rng = new Random(11);
        foreach (int m in new[] { 5, 6, 7, 8, 9, 10, 11, 13, 14, 16, 32, 64, 122, 127 })
        {
            var p = Problem.Create(rng, transA, transB: false, m, n: 37, k: 300, pad: 1);
            Gemm.Level = GemmLevel.Scalar;
            ComputeSettings.MaxThreads = 1;
            float[] expected = p.Run(accumulate: true);
            TestAssert.AssertClose(p.Reference(accumulate: true), expected, 1e-5, Tolerance(p.K), p.ToString());
            for (var level = GemmLevel.Vector128; level <= Gemm.HardwareLevel; level++)
            {
                foreach (int threads in new[] { 1, 2 })
                {
                    Gemm.Level = level;
                    ComputeSettings.MaxThreads = threads;
                    TestAssert.AssertBitIdentical(expected, p.Run(accumulate: true), $"{level} threads={threads} {p}");
                }
            }
        }
    }

    [TestMethod]
    public void Multiply_Vector128With32RegisterTile_BitIdenticalToOtherPaths()
    {
        if (Gemm.HardwareLevel < GemmLevel.Vector128)
        {
            Assert.Inconclusive("no 128-bit vectors with fused multiply-add on this machine");
        }
        bool saved = Gemm.Vector128Has32Registers;
        try
        {
            var rng = new Random(5);
            for (int combo = 0; combo < 4; combo++)
            {
                bool transA = (combo & 1) != 0;
                bool transB = (combo & 2) != 0;
                // Rows past 8 and 128 (the Arm64 tile and block), columns past 8, k past one block.
                foreach ((int m, int n, int k) in new[] { (37, 45, 300), (130, 19, 20), (8, 8, 1) })
                {
                    var p = Problem.Create(rng, transA, transB, m, n, k, pad: 1);
                    Gemm.Level = GemmLevel.Scalar;
                    float[] expected = p.Run(accumulate: true);
                    Gemm.Level = GemmLevel.Vector128;
                    foreach (bool wide in new[] { true, false })
                    {
                        Gemm.Vector128Has32Registers = wide;
                        TestAssert.AssertBitIdentical(expected, p.Run(accumulate: true), $"8-row tile {wide} {p}");
                    }
                }
            }
        }
        finally
        {
            Gemm.Vector128Has32Registers = saved;
        }
    }

    [TestMethod]
    public void Multiply_OneTwoThreeThreads_BitIdentical()
    {
        var rng = new Random(4);
        (int M, int N, int K)[] shapes = [(1, 2048, 512), (3, 1000, 300), (64, 515, 257), (300, 130, 700), (150, 600, 200)];
        for (int combo = 0; combo < 4; combo++)
        {
            bool transA = (combo & 1) != 0;
            bool transB = (combo & 2) != 0;
            foreach (var (m, n, k) in shapes)
            {
                var p = Problem.Create(rng, transA, transB, m, n, k, pad: 2);
                ComputeSettings.MaxThreads = 1;
                float[] single = p.Run(accumulate: true);
                foreach (int threads in new[] { 2, 3 })
                {
                    ComputeSettings.MaxThreads = threads;
                    TestAssert.AssertBitIdentical(single, p.Run(accumulate: true), $"{threads} threads {p}");
                }
            }
        }
    }

    [TestMethod]
    public void Multiply_KWithinOneBlock_AccumulateOnlyChangesFinalAdd()
    {
        var rng = new Random(5);
        foreach ((int m, int n) in new[] { (1, 100), (40, 70) })
        {
            var p = Problem.Create(rng, false, true, m, n, Gemm.KC, pad: 0);
            float[] fresh = p.Run(accumulate: false);
            float[] accumulated = p.Run(accumulate: true);
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    float expected = p.C0[i * p.Ldc + j] + fresh[i * p.Ldc + j];
                    Assert.AreEqual(expected, accumulated[i * p.Ldc + j], 0f, $"{p} at ({i},{j})");
                }
            }
        }
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void Multiply_BRowMajor_RowDoesNotDependOnM(bool transA)
    {
        // NN and TN: the small-m path and the packed path sum in the same order, so a row of a batch
        // equals that row computed alone (batch 1 = a step of a batch of 1).
        var rng = new Random(7);
        var p = Problem.Create(rng, transA, false, 40, 150, 600, pad: 1);
        float[] all = p.Run(accumulate: false);
        foreach (int m in new[] { 1, 2, 3, 4, 5, 9 })
        {
            var c = new float[m * p.Ldc];
            Gemm.Multiply(transA, false, m, p.N, p.K, p.A, p.Lda, p.B, p.Ldb, c, p.Ldc, accumulate: false);
            for (int i = 0; i < m; i++)
            {
                TestAssert.AssertBitIdentical(all.AsSpan(i * p.Ldc, p.N), c.AsSpan(i * p.Ldc, p.N), $"row {i} of {m}, {p}");
            }
        }
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    public void Multiply_OneRowStrideOfWholeCacheLines_EveryStartBitIdenticalToBatchRow(int threads)
    {
        // One row with ldb a multiple of 16 takes the aligned one-row path, which peels the columns before the
        // first 64-byte boundary: every start offset of B must give the row a batch gives it, and the right sum.
        var rng = new Random(11);
        ComputeSettings.MaxThreads = threads;
        foreach ((int n, int k) in new[] { (20, 33), (130, 600), (512, 128), (700, 65) })
        {
            int ldb = (n + 15) / 16 * 16;
            float[] storage = Problem.Fill(rng, k * ldb + 16);
            float[] a = Problem.Fill(rng, 8 * k);
            float[] c0 = Problem.Fill(rng, 8 * n);
            for (int offset = 0; offset < 16; offset++)
            {
                var b = storage.AsSpan(offset, (k - 1) * ldb + n);
                foreach (bool accumulate in new[] { false, true })
                {
                    float[] batch = (float[])c0.Clone();
                    Gemm.Multiply(false, false, 8, n, k, a, k, b, ldb, batch, n, accumulate);
                    for (int i = 0; i < 8; i += 7)
                    {
                        float[] row = c0.AsSpan(i * n, n).ToArray();
                        Gemm.Multiply(false, false, 1, n, k, a.AsSpan(i * k, k), k, b, ldb, row, n, accumulate);
                        TestAssert.AssertBitIdentical(batch.AsSpan(i * n, n), row, $"n={n} k={k} offset={offset} row {i} accumulate {accumulate}");
                    }
                }
            }
            var reference = new double[n];
            var b0 = storage.AsSpan(3);
            for (int j = 0; j < n; j++)
            {
                for (int p = 0; p < k; p++)
                {
                    reference[j] += (double)a[p] * b0[p * ldb + j];
                }
            }
            var single = new float[n];
            Gemm.Multiply(false, false, 1, n, k, a, k, b0, ldb, single, n, accumulate: false);
            TestAssert.AssertClose(reference, single, 1e-5, Tolerance(k), $"n={n} k={k}");
        }
    }

    [TestMethod]
    public void Multiply_RowBias_StartsEveryRowFromTheBias_SameForAnyThreadCount()
    {
        var rng = new Random(13);
        foreach ((int m, int n, int k) in new[] { (1, 70, 33), (3, 40, 300), (37, 45, 300), (129, 65, 33), (64, 515, 600), (5, 7, 0) })
        {
            foreach (bool transB in new[] { false, true })
            {
                var p = Problem.Create(rng, false, transB, m, n, k, pad: 1);
                float[] bias = Problem.Fill(rng, n);
                float[]? first = null;
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    ComputeSettings.MaxThreads = threads;
                    var c = (float[])p.C0.Clone();
                    Gemm.Multiply(false, transB, m, n, k, p.A, p.Lda, p.B, p.Ldb, c, p.Ldc, accumulate: false, bias);
                    first ??= c;
                    TestAssert.AssertBitIdentical(first, c, $"{threads} threads {p}");
                }
                double[] expected = p.Reference(accumulate: false);
                for (int i = 0; i < m; i++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        expected[i * p.Ldc + j] += bias[j];
                    }
                }
                TestAssert.AssertClose(expected, first, 1e-5, Tolerance(k), $"bias {p}");
            }
        }
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(3)]
    [DataRow(40)]
    public void Multiply_NaNInput_PropagatesToAffectedOutputs(int m)
    {
        const int n = 70;
        const int k = 300;
        for (int combo = 0; combo < 4; combo++)
        {
            bool transA = (combo & 1) != 0;
            bool transB = (combo & 2) != 0;
            // A row of zeros in A meets a NaN in B: 0 * NaN must still give NaN.
            var a = new float[m * k];
            var b = new float[k * n];
            var rng = new Random(combo);
            for (int i = 0; i < b.Length; i++)
            {
                b[i] = (float)rng.NextDouble();
            }
            int nanRow = m - 1;
            int nanP = 123;
            int nanCol = 41;
            a[transA ? nanP * m + nanRow : nanRow * k + nanP] = float.NaN;
            b[transB ? nanCol * k + 7 : 7 * n + nanCol] = float.NaN;
            var c = new float[m * n];
            Gemm.Multiply(transA, transB, m, n, k, a, transA ? m : k, b, transB ? k : n, c, n, accumulate: false);
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    bool shouldBeNaN = i == nanRow || j == nanCol;
                    Assert.AreEqual(shouldBeNaN, float.IsNaN(c[i * n + j]), $"combo {combo} m {m} at ({i},{j})");
                }
            }
        }
    }

    [TestMethod]
    public void Multiply_EmptyDimensions_WritesZerosOnlyWhenKIsZero()
    {
        var c = new float[] { 1, 2, 3, 4, 5, 6 };
        Gemm.Multiply(false, false, 0, 3, 4, [], 4, new float[12], 3, c, 3, accumulate: false);
        Gemm.Multiply(false, false, 2, 0, 4, new float[8], 4, [], 0, c, 3, accumulate: false);
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4, 5, 6 }, c);
        Gemm.Multiply(true, true, 2, 2, 0, [], 2, [], 0, c, 3, accumulate: true);
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4, 5, 6 }, c);
        Gemm.Multiply(false, false, 2, 2, 0, [], 0, [], 2, c, 3, accumulate: false);
        CollectionAssert.AreEqual(new float[] { 0, 0, 3, 0, 0, 6 }, c);
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    public void Multiply_SteadyState_DoesNotAllocate(int threads)
    {
        ComputeSettings.MaxThreads = threads;
        var rng = new Random(6);
        Problem[] problems =
        [
            Problem.Create(rng, false, true, 1, 512, 128, pad: 0),
            Problem.Create(rng, false, false, 2, 512, 128, pad: 0),
            Problem.Create(rng, false, true, 64, 512, 300, pad: 0),
            Problem.Create(rng, true, false, 100, 64, 520, pad: 0),
        ];
        for (int round = 0; round < 3; round++)
        {
            foreach (Problem p in problems)
            {
                p.RunInPlace();
            }
        }
        // Steady state: a window of calls allocates nothing (up to three windows, because one-off runtime work such as
        // tiered JIT can land in the first).
        var windows = new List<long>();
        for (int w = 0; w < 3 && (windows.Count == 0 || windows[^1] != 0); w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            foreach (Problem p in problems)
            {
                p.RunInPlace();
            }
            windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.AreEqual(0L, windows[^1], $"bytes allocated by warmed-up calls, per window: {string.Join(", ", windows)}");
    }

    private static double Tolerance(int k) => 1e-6 * (k + 2);

    private static void CheckAgainstReference(Random rng, bool transA, bool transB, int m, int n, int k, bool accumulate, int pad)
    {
        var p = Problem.Create(rng, transA, transB, m, n, k, pad);
        float[] actual = p.Run(accumulate);
        TestAssert.AssertClose(p.Reference(accumulate), actual, 1e-5, Tolerance(k), $"{p} accumulate {accumulate}");
    }

    /// <summary>Random operands stored with the given padding past every row, and a random initial C.</summary>
    private sealed record Problem(bool TransA, bool TransB, int M, int N, int K, float[] A, int Lda, float[] B, int Ldb, float[] C0, int Ldc)
    {
        private readonly float[] _work = (float[])C0.Clone();

        public static Problem Create(Random rng, bool transA, bool transB, int m, int n, int k, int pad)
        {
            int lda = (transA ? m : k) + pad;
            int ldb = (transB ? k : n) + pad;
            int ldc = n + pad;
            float[] a = Fill(rng, (transA ? k : m) * lda);
            float[] b = Fill(rng, (transB ? n : k) * ldb);
            float[] c = Fill(rng, m * ldc);
            return new Problem(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        }

        public float[] Run(bool accumulate)
        {
            var c = (float[])C0.Clone();
            Gemm.Multiply(TransA, TransB, M, N, K, A, Lda, B, Ldb, c, Ldc, accumulate);
            return c;
        }

        public void RunInPlace() => Gemm.Multiply(TransA, TransB, M, N, K, A, Lda, B, Ldb, _work, Ldc, accumulate: false);

        /// <summary>The double-precision result over the whole C buffer (padding left as it was).</summary>
        public double[] Reference(bool accumulate)
        {
            var c = new double[C0.Length];
            for (int e = 0; e < c.Length; e++)
            {
                c[e] = C0[e];
            }
            for (int i = 0; i < M; i++)
            {
                for (int j = 0; j < N; j++)
                {
                    double sum = 0;
                    for (int p = 0; p < K; p++)
                    {
                        double av = TransA ? A[p * Lda + i] : A[i * Lda + p];
                        double bv = TransB ? B[j * Ldb + p] : B[p * Ldb + j];
                        sum += av * bv;
                    }
                    c[i * Ldc + j] = accumulate ? c[i * Ldc + j] + sum : sum;
                }
            }
            return c;
        }

        public override string ToString() => $"{(TransA ? "T" : "N")}{(TransB ? "T" : "N")} m={M} n={N} k={K} lda={Lda} ldb={Ldb} ldc={Ldc}";

        public static float[] Fill(Random rng, int length)
        {
            var x = new float[length];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = (float)(rng.NextDouble() * 2 - 1);
            }
            return x;
        }
    }
}
