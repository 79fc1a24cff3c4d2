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
                foreach (int m in new[] { 1, 4, 5, 40 })
                {
                    // With a row bias: what Multiply gives with the same bias (for transB, its blocked path: m > 4).
                    float[] bias = Values(rng, n);
                    var expected = new float[m * n];
                    Gemm.Multiply(false, false, m, n, k, a, k, bRowMajor, n, expected, n, accumulate: false, bias);
                    var actual = Values(rng, m * n);
                    Gemm.MultiplyPacked(m, a, k, packed, actual, n, accumulate: false, bias);
                    TestAssert.AssertBitIdentical(expected, actual, $"{level}, bias, m={m}, n={n}, k={k}, transB={transB}");
                }
            }
        }
    }

    [TestMethod]
    public void MultiplyPacked_OnAWorker_ReadsItsOwnReplica_BitIdentical()
    {
        int saved = ComputeSettings.MaxThreads;
        ComputeSettings.MaxThreads = 2;
        try
        {
            var rng = new Random(5);
            const int m = 9, n = 300, k = 70;
            float[] a = Values(rng, m * k);
            var packed = new PackedMatrix();
            // The second round packs other weights into the same matrix: the worker's copy must follow.
            for (int round = 0; round < 2; round++)
            {
                float[] b = Values(rng, k * n);
                Gemm.Pack(false, k, n, b, n, packed, replicas: 1);
                var expected = new float[m * n];
                Gemm.Multiply(false, false, m, n, k, a, k, b, n, expected, n, accumulate: false);
                var both = new TwoThreads(() =>
                {
                    var c = new float[m * n];
                    Gemm.MultiplyPacked(m, a, k, packed, c, n, accumulate: false);
                    return (c, ReferenceEquals(packed.ForCurrentThread, packed.Replicas[0]));
                });
                WorkerPool.Run(2, both);
                Assert.AreEqual(2, both.Runs.Count, "both items ran");
                Assert.IsTrue(both.Runs.Any(r => r.Worker > 0), "one item should have run on a pool worker while the other waited");
                foreach (var (worker, result, readReplica) in both.Runs)
                {
                    Assert.AreEqual(worker > 0, readReplica, $"worker {worker}: a pool worker reads its own copy, the caller the packed buffer");
                    TestAssert.AssertBitIdentical(expected, result, $"round {round}, worker {worker}");
                }
            }
            Gemm.Pack(false, k, n, Values(rng, k * n), n, packed);
            Assert.AreEqual(0, packed.ReplicaCount, "packing without replicas leaves the workers on the one buffer");
        }
        finally
        {
            ComputeSettings.MaxThreads = saved;
        }
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void Pack_SplitOverThreads_SamePanels_WorkersSharingACopyFillItOnce(bool transB)
    {
        // 300 x 700 floats: above the size from which Pack splits its panels over the pool; 23 panels of 32 columns.
        const int k = 300, n = 700, m = 5;
        var rng = new Random(8);
        float[] b = Values(rng, k * n), a = Values(rng, m * k);
        int ldb = transB ? k : n;
        int saved = ComputeSettings.MaxThreads;
        try
        {
            ComputeSettings.MaxThreads = 1;
            var serial = new PackedMatrix();
            Gemm.Pack(transB, k, n, b, ldb, serial);
            foreach (int threads in new[] { 2, 3 })
            {
                ComputeSettings.MaxThreads = threads;
                var parallel = new PackedMatrix();
                Gemm.Pack(transB, k, n, b, ldb, parallel, replicas: 1);
                TestAssert.AssertBitIdentical(serial.Panels, parallel.Panels, $"{threads} threads, transB={transB}");
                // Every pool worker reads the one replica (two of them with three threads): whoever comes first fills it.
                var expected = new float[m * n];
                Gemm.MultiplyPacked(m, a, k, serial, expected, n, accumulate: false);
                var results = new float[threads][];
                WorkerPool.Run(threads, i =>
                {
                    results[i] = new float[m * n];
                    Gemm.MultiplyPacked(m, a, k, parallel, results[i], n, accumulate: false);
                });
                for (int i = 0; i < threads; i++)
                {
                    TestAssert.AssertBitIdentical(expected, results[i], $"{threads} threads, item {i}, transB={transB}");
                }
            }
        }
        finally
        {
            ComputeSettings.MaxThreads = saved;
        }
    }

    // The first item to start waits (up to 10 s) until the other has finished, so the two run on two threads unless no
    // worker ever comes. Each records the thread it ran on, its product and whether it read a replica.
    private sealed class TwoThreads(Func<(float[] Result, bool ReadReplica)> body) : IWorkItem
    {
        private readonly Lock _gate = new();
        private int _started;
        private volatile bool _secondDone;

        public List<(int Worker, float[] Result, bool ReadReplica)> Runs { get; } = [];

        public void Invoke(int index)
        {
            bool first = Interlocked.Increment(ref _started) == 1;
            if (first)
            {
                SpinWait.SpinUntil(() => _secondDone, TimeSpan.FromSeconds(10));
            }
            var (result, readReplica) = body();
            lock (_gate)
            {
                Runs.Add((WorkerPool.CurrentWorker, result, readReplica));
            }
            if (!first)
            {
                _secondDone = true;
            }
        }
    }

    private static float[] Values(Random rng, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
}
