using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Engine.Scheduling;
using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Tests.Layers;

/// <summary>
/// Forward and backward of a stacked layer are bit-identical with 1, 2, 3 and 4 threads: the ranks of a batch may be cut
/// into slices with time loops of their own, the two directions may run concurrently, and a direction's loop may project
/// its input block by block.
/// </summary>
[TestClass]
public sealed class RecurrentLayerThreadingTests
{
    [TestMethod]
    [DataRow(RecurrentCellKind.Lstm, true)]
    [DataRow(RecurrentCellKind.Lstm, false)]
    [DataRow(RecurrentCellKind.Gru, true)]
    [DataRow(RecurrentCellKind.Gru, false)]
    [DataRow(RecurrentCellKind.RnnTanh, true)]
    [DataRow(RecurrentCellKind.RnnRelu, false)]
    public void ForwardBackward_OneToFourThreads_AnySlicing_BitIdentical(RecurrentCellKind cell, bool bidirectional) =>
        AssertSameAsOneThread(cell, bidirectional, seq: 7,
        [
            .. from slicing in new bool?[] { null, true, false } from threads in new[] { 2, 3, 4 } select new Setting(threads, Slicing: slicing),
            new Setting(4, Slicing: true, InsideBusyPool: true), // slices on one thread, one after the other
        ]);

    [TestMethod]
    [DataRow(RecurrentCellKind.Lstm, false)]
    [DataRow(RecurrentCellKind.Gru, false)]
    [DataRow(RecurrentCellKind.RnnTanh, false)]
    [DataRow(RecurrentCellKind.Lstm, true)]
    [DataRow(RecurrentCellKind.Gru, true)]
    public void BlockProjectionAndSteals_BitIdenticalToOneThread_AlsoInsideABusyPool(RecurrentCellKind cell, bool bidirectional)
    {
        // 40 sequences of up to 30 steps: several blocks of rows to project, in both time orders when bidirectional. Thieves
        // are extra pool items that only take over ranks of the running loops (again and again, also ranks already taken
        // over): forward with and without block projection, backward, sliced or not.
        long steals = AssertSameAsOneThread(cell, bidirectional, seq: 30,
        [
            .. from blocks in new bool?[] { null, true, false } from threads in new[] { 1, 2, 3 } select new Setting(threads, Blocks: blocks),
            new Setting(2, InsideBusyPool: true),
            new Setting(2, Thieves: 1, Slicing: false), new Setting(2, Thieves: 1, Slicing: true), new Setting(2, Thieves: 1, Slicing: false, Blocks: false),
            new Setting(3, Thieves: 2, Slicing: true, Blocks: true), new Setting(3, Thieves: 2, Slicing: false, Blocks: false),
        ]);
        Assert.IsTrue(steals > 0, "no ranks were taken over: the test did not exercise steals");
    }

    // Threads, scheduling knobs and whether the pass runs as the body of a pool item (its own pool runs then inline).
    private readonly record struct Setting(int Threads, int Thieves = 0, bool? Slicing = null, bool? Blocks = null, bool InsideBusyPool = false)
    {
        public SchedulingOptions Scheduling => new() { Thieves = Thieves, Slicing = Slicing, BlockProjection = Blocks };
    }

    // Output and every gradient under each setting are bit-identical to one thread without knobs; returns the steals granted.
    private static long AssertSameAsOneThread(RecurrentCellKind cell, bool bidirectional, int seq, Setting[] settings)
    {
        float[][] reference = Run(cell, bidirectional, 1, SchedulingOptions.Default, seq).Values;
        long steals = 0;
        foreach (var setting in settings)
        {
            var actual = setting.InsideBusyPool
                ? InsideBusyPool(() => Run(cell, bidirectional, setting.Threads, setting.Scheduling, seq))
                : Run(cell, bidirectional, setting.Threads, setting.Scheduling, seq);
            Compare(reference, actual.Values, $"{cell}, bidirectional={bidirectional}, {setting}");
            steals += actual.Steals;
        }
        return steals;
    }

    [TestMethod]
    [DataRow(RecurrentCellKind.Lstm)]
    [DataRow(RecurrentCellKind.Gru)]
    public void Slicing_VariableLengths_SlicesCoverEveryRankWithAboutEqualRows(RecurrentCellKind cell)
    {
        // Lengths 1..64 in a shuffled order: slices must follow packed rows (not ranks) and still cover every rank once.
        var layer = new RecurrentLayer(new RecurrentLayerOptions { Cell = cell, InputSize = 8, HiddenSize = 64 });
        var ws = layer.CreateWorkspace();
        int[] lengths = Enumerable.Range(1, 64).OrderBy(l => (l * 37) % 64).ToArray();
        ws.Layout.Build(lengths, 64);
        int keep = ComputeSettings.MaxThreads;
        try
        {
            foreach (int threads in new[] { 2, 3, 4 })
            {
                ComputeSettings.MaxThreads = threads;
                layer.PlanSlices(ws);
                var bounds = ws.Slices.Bounds.ToArray();
                Assert.AreEqual(threads, ws.Slices.Count, $"{threads} threads");
                Assert.AreEqual(0, bounds[0]);
                Assert.AreEqual(64, bounds[ws.Slices.Count]);
                long total = lengths.Sum();
                for (int s = 0; s < ws.Slices.Count; s++)
                {
                    Assert.IsTrue(bounds[s + 1] > bounds[s], $"slice {s} of {threads} is empty");
                    long rows = Enumerable.Range(bounds[s], bounds[s + 1] - bounds[s]).Sum(r => (long)lengths[ws.Layout.Order[r]]);
                    Assert.IsTrue(Math.Abs(rows - total / threads) <= total / (4 * threads), $"slice {s} of {threads}: {rows} rows of {total}");
                }
            }
            // Too little work for a thread per slice (the default plan), and too few ranks for two slices.
            ComputeSettings.MaxThreads = 2;
            ws.Layout.Build([3, 2, 1, 3, 2, 1, 3, 2, 1, 3, 2, 1, 3, 2, 1, 3], 3);
            layer.PlanSlices(ws);
            Assert.AreEqual(1, ws.Slices.Count, "48 short rows of hidden size 64");
            ws.Layout.Build(Enumerable.Repeat(500, 15).ToArray(), 500);
            layer.PlanSlices(ws);
            Assert.AreEqual(1, ws.Slices.Count, "15 ranks: fewer than two tiles of 8");
        }
        finally
        {
            ComputeSettings.MaxThreads = keep;
        }
    }

    [TestMethod]
    [DataRow(RecurrentCellKind.Lstm)]
    [DataRow(RecurrentCellKind.Gru)]
    public void Passes_BatchTooSmallToSlice_BitIdenticalToOneThread(RecurrentCellKind cell)
    {
        // 4 sequences of up to 150 steps: blocks to project, but too few ranks to slice.
        float[][] reference = Run(cell, false, 1, SchedulingOptions.Default, seq: 150, batch: 4).Values;
        Compare(reference, Run(cell, false, 2, SchedulingOptions.Default, seq: 150, batch: 4).Values, $"{cell}, batch 4, 2 threads");
    }

    // Runs a pass as the body of a pool item: the layer's own pool runs are then inline, one item after the other.
    private static Result InsideBusyPool(Func<Result> pass)
    {
        Result? result = null;
        int keep = ComputeSettings.MaxThreads;
        ComputeSettings.MaxThreads = 2;
        try
        {
            WorkerPool.Run(2, i =>
            {
                if (i == 0)
                {
                    result = pass();
                }
            });
        }
        finally
        {
            ComputeSettings.MaxThreads = keep;
        }
        return result!.Value;
    }

    private static void Compare(float[][] reference, float[][] actual, string label)
    {
        for (int i = 0; i < reference.Length; i++)
        {
            TestAssert.AssertBitIdentical(reference[i], actual[i], $"{label}, result {i}");
        }
    }

    // Output, h_n, c_n, dx, dh0, dc0 and every parameter gradient, and the steals granted.
    private readonly record struct Result(float[][] Values, long Steals);

    // Two passes (the second reuses the workspace) under the given scheduling knobs.
    private static Result Run(RecurrentCellKind cell, bool bidirectional, int threads, SchedulingOptions scheduling, int seq = 7, int batch = 40)
    {
        int keep = ComputeSettings.MaxThreads;
        ComputeSettings.MaxThreads = threads;
        try
        {
            const int input = 20, hidden = 48, layersCount = 2;
            var layer = new RecurrentLayer(new RecurrentLayerOptions
            {
                Cell = cell, InputSize = input, HiddenSize = hidden, NumLayers = layersCount, Bidirectional = bidirectional,
            });
            layer.ResetParameters(new Random(5));
            var rng = new Random(6);
            int[] lengths = Enumerable.Range(0, batch).Select(b => b < Math.Min(12, batch / 2) ? seq : 1 + rng.Next(seq)).ToArray();
            int dirs = bidirectional ? 2 : 1;
            int stateSize = layersCount * dirs * batch * hidden;
            bool lstm = cell == RecurrentCellKind.Lstm;
            float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            float[] x = Values(batch * seq * input), h0 = Values(stateSize), c0 = lstm ? Values(stateSize) : [];
            float[] dOut = Values(batch * seq * dirs * hidden), dHn = Values(stateSize), dCn = lstm ? Values(stateSize) : [];
            var ws = layer.CreateWorkspace();
            ws.Scheduling = scheduling;
            var output = new float[batch * seq * dirs * hidden];
            var hn = new float[stateSize];
            var cn = lstm ? new float[stateSize] : [];
            var dx = new float[x.Length];
            var dh0 = new float[stateSize];
            var dc0 = lstm ? new float[stateSize] : [];
            for (int pass = 0; pass < 2; pass++)
            {
                layer.Forward(ws, x, batch, seq, lengths, h0, c0, output, hn, cn);
                layer.Backward(ws, dOut, dHn, dCn, dx, dh0, dc0);
            }
            return new Result([output, hn, cn, dx, dh0, dc0, (float[])layer.Parameters.Gradients.Clone()], ws.Loops.Steals);
        }
        finally
        {
            ComputeSettings.MaxThreads = keep;
        }
    }
}
