using Microsoft.ML.Recurrent.Engine.Scheduling;
using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Tests.Layers;

/// <summary>
/// A workspace whose weights are frozen (a decoded model that only predicts keeps its packed weights between passes)
/// and that runs on the calling thread gives exactly what an ordinary workspace gives, pass after pass, at every batch
/// size (the small-m rows, the one-GEMM projection and the block projection), and refuses what would spoil its packs.
/// </summary>
[TestClass]
public sealed class RecurrentLayerFrozenWeightsTests
{
    [TestMethod]
    [DataRow(RecurrentCellKind.Lstm, true, 2)]
    [DataRow(RecurrentCellKind.Lstm, false, 1)]
    [DataRow(RecurrentCellKind.Gru, true, 2)]
    [DataRow(RecurrentCellKind.RnnTanh, false, 2)]
    public void Forward_FrozenWeightsOnCallingThread_BitIdenticalToOrdinaryWorkspace(RecurrentCellKind cell, bool bidirectional, int layers)
    {
        const int input = 12, hidden = 24;
        var layer = new RecurrentLayer(new RecurrentLayerOptions { Cell = cell, InputSize = input, HiddenSize = hidden, NumLayers = layers, Bidirectional = bidirectional });
        layer.ResetParameters(new Random(5));
        var frozen = layer.CreateWorkspace();
        frozen.KeepActivations = false;
        frozen.FreezeWeights();
        frozen.Scheduling = SchedulingOptions.CallingThread;
        var rng = new Random(6);
        int dirs = bidirectional ? 2 : 1;
        // One short sequence (fewer rows than the small-m path), typical rows, a batch that projects in blocks, and back.
        foreach (var (batch, seq) in new[] { (1, 3), (1, 12), (3, 9), (40, 20), (1, 12), (2, 1) })
        {
            int[] lengths = Enumerable.Range(0, batch).Select(_ => 1 + rng.Next(seq)).ToArray();
            lengths[0] = seq;
            float[] x = Enumerable.Range(0, batch * seq * input).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            float[] Run(RecurrentWorkspace ws)
            {
                var output = new float[batch * seq * dirs * hidden];
                var hn = new float[layers * dirs * batch * hidden];
                layer.Forward(ws, x, batch, seq, lengths, [], [], output, hn, cell == RecurrentCellKind.Lstm ? new float[hn.Length] : []);
                return [.. output, .. hn];
            }
            var ordinary = layer.CreateWorkspace();
            ordinary.KeepActivations = false;
            TestAssert.AssertBitIdentical(Run(ordinary), Run(frozen), $"{cell} batch {batch} steps {seq}");
        }
        Assert.IsTrue(frozen.FrozenPacks.Any(p => p is not null), "the packs are kept");
    }

    [TestMethod]
    public void Backward_FrozenWorkspace_ThrowsAndSaysWhy()
    {
        var layer = new RecurrentLayer(new RecurrentLayerOptions { InputSize = 4, HiddenSize = 8 });
        layer.ResetParameters(new Random(1));
        var ws = layer.CreateWorkspace();
        ws.FreezeWeights();
        var output = new float[2 * 3 * 8];
        layer.Forward(ws, new float[2 * 3 * 4], 2, 3, [], [], [], output, [], []);
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => layer.Backward(ws, output, [], [], [], [], []));
        StringAssert.Contains(error.Message, "frozen");
    }
}
