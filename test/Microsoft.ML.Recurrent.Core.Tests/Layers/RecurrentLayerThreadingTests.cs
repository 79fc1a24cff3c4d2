using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Tests.Layers;

/// <summary>
/// Forward and backward of a stacked layer are bit-identical with 1, 2 and 3 threads: the rows of a step
/// may be split over threads (unidirectional) and the two directions may run concurrently (bidirectional).
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
    public void ForwardBackward_OneTwoThreeThreads_BitIdentical(RecurrentCellKind cell, bool bidirectional)
    {
        float[][] reference = Run(cell, bidirectional, 1);
        foreach (int threads in new[] { 2, 3 })
        {
            float[][] actual = Run(cell, bidirectional, threads);
            for (int i = 0; i < reference.Length; i++)
            {
                TestAssert.AssertBitIdentical(reference[i], actual[i], $"{cell}, bidirectional={bidirectional}, {threads} threads, result {i}");
            }
        }
    }

    [TestMethod]
    [DataRow(RecurrentCellKind.Lstm, false)]
    [DataRow(RecurrentCellKind.Gru, false)]
    [DataRow(RecurrentCellKind.RnnTanh, false)]
    [DataRow(RecurrentCellKind.Lstm, true)]
    [DataRow(RecurrentCellKind.Gru, true)]
    public void PipelinedForward_BitIdenticalToOneThread_AlsoInsideABusyPool(RecurrentCellKind cell, bool bidirectional)
    {
        // 40 sequences of up to 30 steps: several blocks of rows to project, so two threads pipeline the forward pass.
        float[][] reference = Run(cell, bidirectional, 1, seq: 30);
        try
        {
            foreach (bool? pipeline in new bool?[] { null, true, false })
            {
                RecurrentLayer.ForcePipeline = pipeline;
                foreach (int threads in new[] { 2, 3 })
                {
                    Compare(reference, Run(cell, bidirectional, threads, seq: 30), $"{cell}, bidirectional={bidirectional}, pipeline {pipeline?.ToString() ?? "default"}, {threads} threads");
                }
            }
            // Inside a pool item the layer's own runs are inline: the pipeline's time loop then projects every block itself.
            RecurrentLayer.ForcePipeline = true;
            float[][]? nested = null;
            int keep = ComputeSettings.MaxThreads;
            ComputeSettings.MaxThreads = 2;
            try
            {
                WorkerPool.Run(2, i =>
                {
                    if (i == 0)
                    {
                        nested = Run(cell, bidirectional, 2, seq: 30);
                    }
                });
            }
            finally
            {
                ComputeSettings.MaxThreads = keep;
            }
            Compare(reference, nested!, $"{cell}, bidirectional={bidirectional}, pipelined inside a busy pool");
            // Forced on one thread too: the time loop projects every block itself.
            Compare(reference, Run(cell, bidirectional, 1, seq: 30), $"{cell}, bidirectional={bidirectional}, pipelined on one thread");
        }
        finally
        {
            RecurrentLayer.ForcePipeline = null;
        }
    }

    [TestMethod]
    [DataRow(RecurrentCellKind.Lstm)]
    [DataRow(RecurrentCellKind.Gru)]
    public void PipelinedPasses_BatchTooSmallToSplit_BitIdenticalToOneThread(RecurrentCellKind cell)
    {
        // 4 sequences of up to 150 steps (two of 150: 300 rows at least): blocks to project and dx blocks, but no step with rows enough to split.
        float[][] reference = Run(cell, false, 1, seq: 150, batch: 4);
        Compare(reference, Run(cell, false, 2, seq: 150, batch: 4), $"{cell}, batch 4, 2 threads");
    }

    private static void Compare(float[][] reference, float[][] actual, string label)
    {
        for (int i = 0; i < reference.Length; i++)
        {
            TestAssert.AssertBitIdentical(reference[i], actual[i], $"{label}, result {i}");
        }
    }

    // Output, h_n, c_n, dx, dh0, dc0 and every parameter gradient after two passes (the second reuses the workspace).
    private static float[][] Run(RecurrentCellKind cell, bool bidirectional, int threads, int seq = 7, int batch = 40)
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
            return [output, hn, cn, dx, dh0, dc0, (float[])layer.Parameters.Gradients.Clone()];
        }
        finally
        {
            ComputeSettings.MaxThreads = keep;
        }
    }
}
