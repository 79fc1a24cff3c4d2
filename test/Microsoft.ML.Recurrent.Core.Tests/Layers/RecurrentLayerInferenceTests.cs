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

    [TestMethod]
    [DataRow(RecurrentCellKind.Lstm, false)]
    [DataRow(RecurrentCellKind.Gru, true)]
    [DataRow(RecurrentCellKind.RnnTanh, false)]
    public void Backward_SecondTimeAfterOneForward_ThrowsAndAFreshForwardGivesTheSameGradients(RecurrentCellKind cell, bool bidirectional)
    {
        // The gate gradients are written over the saved gates: one backward pass per forward pass.
        const int batch = 5, seq = 7, input = 6, hidden = 9, layers = 2;
        var layer = new RecurrentLayer(new RecurrentLayerOptions { Cell = cell, InputSize = input, HiddenSize = hidden, NumLayers = layers, Bidirectional = bidirectional });
        layer.ResetParameters(new Random(5));
        var rng = new Random(6);
        int width = (bidirectional ? 2 : 1) * hidden;
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] x = Values(batch * seq * input), dOut = Values(batch * seq * width);
        int[] lengths = [7, 3, 5, 1, 7];
        var ws = layer.CreateWorkspace();
        (float[] Weights, float[] Input) Step()
        {
            layer.Forward(ws, x, batch, seq, lengths, [], [], new float[dOut.Length], [], []);
            layer.Parameters.ZeroGradients();
            var dx = new float[x.Length];
            layer.Backward(ws, dOut, [], [], dx, [], []);
            return ((float[])layer.Parameters.Gradients.Clone(), dx);
        }

        var first = Step();
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => layer.Backward(ws, dOut, [], [], [], [], []));
        StringAssert.Contains(error.Message, "already run");
        var second = Step();

        TestAssert.AssertBitIdentical(first.Weights, second.Weights, $"{cell} weight gradients");
        TestAssert.AssertBitIdentical(first.Input, second.Input, $"{cell} input gradients");
    }
}
