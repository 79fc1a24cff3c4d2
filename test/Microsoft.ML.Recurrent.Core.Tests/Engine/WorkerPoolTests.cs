using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Tests.Engine;

[TestClass]
public sealed class WorkerPoolTests
{
    private int _savedThreads;

    [TestInitialize]
    public void Save() => _savedThreads = ComputeSettings.MaxThreads;

    [TestCleanup]
    public void Restore() => ComputeSettings.MaxThreads = _savedThreads;

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    public void Run_ManyIndices_CallsEachExactlyOnce(int threads)
    {
        ComputeSettings.MaxThreads = threads;
        for (int round = 0; round < 50; round++)
        {
            var hits = new int[round * 7 + 1];
            WorkerPool.Run(hits.Length, i => Interlocked.Increment(ref hits[i]));
            CollectionAssert.AreEqual(Enumerable.Repeat(1, hits.Length).ToArray(), hits, $"round {round}");
        }
    }

    [TestMethod]
    public void Run_NestedCall_RunsInline()
    {
        ComputeSettings.MaxThreads = 2;
        var hits = new int[4 * 5];
        WorkerPool.Run(4, i => WorkerPool.Run(5, j => Interlocked.Increment(ref hits[i * 5 + j])));
        CollectionAssert.AreEqual(Enumerable.Repeat(1, hits.Length).ToArray(), hits);
    }

    [TestMethod]
    public void Run_BodyThrows_RethrowsOnCaller()
    {
        ComputeSettings.MaxThreads = 2;
        Assert.ThrowsExactly<InvalidOperationException>(() => WorkerPool.Run(8, i =>
        {
            if (i == 5)
            {
                throw new InvalidOperationException("index 5");
            }
        }));
        var hits = new int[3];
        WorkerPool.Run(3, i => hits[i]++);
        CollectionAssert.AreEqual(new[] { 1, 1, 1 }, hits, "the pool still works after an exception");
    }
}
