using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Tests.Layers;

/// <summary>
/// A forward pass that keeps no activations (<see cref="RecurrentWorkspace.KeepActivations"/> false, for inference)
/// gives exactly what a keeping one gives, and refuses a backward pass with a message that says why.
/// </summary>
[TestClass]
public sealed class RecurrentLayerInferenceTests
{
    [TestMethod]
    [DataRow(RecurrentCellKind.Lstm, false, 1)]
    [DataRow(RecurrentCellKind.Lstm, true, 2)]
    [DataRow(RecurrentCellKind.Gru, false, 2)]
    [DataRow(RecurrentCellKind.Gru, true, 1)]
    [DataRow(RecurrentCellKind.RnnTanh, true, 2)]
    [DataRow(RecurrentCellKind.RnnRelu, false, 1)]
    public void Forward_WithoutKeepingActivations_BitIdenticalOutputsAndStates(RecurrentCellKind cell, bool bidirectional, int threads)
    {
        int keepThreads = ComputeSettings.MaxThreads;
        ComputeSettings.MaxThreads = threads;
        try
        {
            const int batch = 33, seq = 9, input = 12, hidden = 40, layers = 2;
            var layer = new RecurrentLayer(new RecurrentLayerOptions { Cell = cell, InputSize = input, HiddenSize = hidden, NumLayers = layers, Bidirectional = bidirectional });
            layer.ResetParameters(new Random(3));
            var rng = new Random(4);
            int dirs = bidirectional ? 2 : 1, stateSize = layers * dirs * batch * hidden;
            bool lstm = cell == RecurrentCellKind.Lstm;
            float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            int[] lengths = Enumerable.Range(0, batch).Select(_ => 1 + rng.Next(seq)).ToArray();
            float[] x = Values(batch * seq * input), h0 = Values(stateSize), c0 = lstm ? Values(stateSize) : [];

            float[][] Run(bool keep, RecurrentWorkspace ws)
            {
                ws.KeepActivations = keep;
                var output = new float[batch * seq * dirs * hidden];
                var hn = new float[stateSize];
                var cn = lstm ? new float[stateSize] : [];
                layer.Forward(ws, x, batch, seq, lengths, h0, c0, output, hn, cn);
                return [output, hn, cn];
            }

            var workspace = layer.CreateWorkspace();
            float[][] kept = Run(true, workspace);
            float[][] inference = Run(false, layer.CreateWorkspace());
            float[][] reused = Run(false, workspace); // a workspace that kept activations before
            for (int i = 0; i < kept.Length; i++)
            {
                TestAssert.AssertBitIdentical(kept[i], inference[i], $"{cell} result {i}, fresh workspace");
                TestAssert.AssertBitIdentical(kept[i], reused[i], $"{cell} result {i}, reused workspace");
            }

            var error = Assert.ThrowsExactly<InvalidOperationException>(() =>
                layer.Backward(workspace, new float[batch * seq * dirs * hidden], [], [], [], [], []));
            StringAssert.Contains(error.Message, "KeepActivations");
            workspace.KeepActivations = true;
            Assert.ThrowsExactly<InvalidOperationException>(() =>
                layer.Backward(workspace, new float[batch * seq * dirs * hidden], [], [], [], [], []), "the last forward kept nothing, whatever the flag says now");
            Run(true, workspace);
            layer.Backward(workspace, new float[batch * seq * dirs * hidden], [], [], [], [], []);
        }
        finally
        {
            ComputeSettings.MaxThreads = keepThreads;
        }
    }
}
