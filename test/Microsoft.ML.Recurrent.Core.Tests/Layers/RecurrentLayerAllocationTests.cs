using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Tests.Layers;

[TestClass]
public sealed class RecurrentLayerAllocationTests
{
    [TestMethod]
    [DataRow(RecurrentCellKind.Lstm, 1, true)]
    [DataRow(RecurrentCellKind.Gru, 2, true)]
    [DataRow(RecurrentCellKind.RnnTanh, 2, true)]
    [DataRow(RecurrentCellKind.Lstm, 2, false)]
    [DataRow(RecurrentCellKind.Gru, 2, false)]
    public void ForwardBackward_SteadyState_AllocatesNothing(RecurrentCellKind cell, int threads, bool bidirectional)
    {
        int keep = ComputeSettings.MaxThreads;
        ComputeSettings.MaxThreads = threads;
        try
        {
            var layer = new RecurrentLayer(new RecurrentLayerOptions { Cell = cell, InputSize = 24, HiddenSize = 40, NumLayers = 2, Bidirectional = bidirectional });
            layer.ResetParameters(new Random(1));
            var ws = layer.CreateWorkspace();
            // One direction: 40 sequences (316 rows), so that two threads run two slices of ranks.
            int batch = bidirectional ? 6 : 40, seq = 9;
            int[] lengths = bidirectional ? [9, 3, 7, 9, 1, 5] : Enumerable.Range(0, batch).Select(b => b % 4 == 0 ? 1 + b % seq : seq).ToArray(); // 316 rows
            var x = new float[batch * seq * 24];
            new Random(2).NextBytes(new byte[1]);
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = (i % 17 - 8) / 8f;
            }
            var output = new float[batch * seq * (bidirectional ? 80 : 40)];
            var dX = new float[x.Length];
            void Once()
            {
                layer.Forward(ws, x, batch, seq, lengths, [], [], output, [], []);
                layer.Backward(ws, output, [], [], dX, [], []);
            }
            for (int i = 0; i < 3; i++)
            {
                Once();
            }
            // Steady state: a window of passes allocates nothing (up to three windows, because one-off runtime work
            // such as tiered JIT can land in the first).
            var windows = new List<long>();
            for (int w = 0; w < 3 && (windows.Count == 0 || windows[^1] != 0); w++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 5; i++)
                {
                    Once();
                }
                windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
            }
            Assert.AreEqual(0L, windows[^1], $"bytes allocated by warmed-up forward + backward passes, per window: {string.Join(", ", windows)}");
        }
        finally
        {
            ComputeSettings.MaxThreads = keep;
        }
    }
}
