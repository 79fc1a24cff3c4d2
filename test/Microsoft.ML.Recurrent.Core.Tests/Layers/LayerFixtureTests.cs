using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Tests.Layers;

/// <summary>
/// Every layer fixture (kind "layer") in the fixture directory — ../shared/fixtures/recurrent, or
/// RECURRENT_FIXTURES_DIR — against the engine: outputs, final states and every gradient.
/// </summary>
[TestClass]
public sealed class LayerFixtureTests
{
    // The fixtures README's float32 tolerance; the engine must stay within it on every shape.
    private const double Atol = 1e-4;
    private const double Rtol = 1e-3;

    public static IEnumerable<object[]> LayerFixtures => FixtureFile.Enumerate("layer");

    [TestMethod]
    [DynamicData(nameof(LayerFixtures))]
    public void Fixture_ForwardAndBackward_MatchPyTorch(string fileName) => Run(fileName);

    /// <summary>
    /// Runs one layer fixture forward and backward, asserts every result against PyTorch's, and returns them all
    /// (output, final states, input, state and parameter gradients) for bit-wise comparisons between runs.
    /// </summary>
    internal static float[] Run(string fileName)
    {
        var results = new List<float>();
        using var f = FixtureFile.Open(FixtureFile.Resolve(fileName));
        var options = new RecurrentLayerOptions
        {
            Cell = ParseCell(f.Str("cell")),
            InputSize = f.Int("input_size"),
            HiddenSize = f.Int("hidden_size"),
            NumLayers = f.Int("num_layers"),
            Bidirectional = f.Bool("bidirectional"),
            Bias = !f.Has("bias") || f.Bool("bias"),
        };
        Assert.IsTrue(f.Bool("batch_first"), "fixtures are batch-first");
        var layer = new RecurrentLayer(options);
        string[] names = f.Names("param_names");
        CollectionAssert.AreEqual(names, layer.ParameterNames.ToArray(), "parameter names and order");
        layer.ImportParameters(names.ToDictionary(n => n, n => FixtureFile.ToFloat(f.Tensor("params", n))));

        int batch = f.Int("batch"), seq = f.Int("seq_len"), h = options.HiddenSize;
        int[] lengths = f.IntArray("lengths");
        bool lstm = options.Cell == RecurrentCellKind.Lstm;
        int stateSize = options.NumLayers * options.NumDirections * batch * h;
        var output = new float[batch * seq * options.NumDirections * h];
        var hN = new float[stateSize];
        var cN = lstm ? new float[stateSize] : [];
        // Fill the outputs with junk first: the layer must write every element, zeros at padded steps.
        output.AsSpan().Fill(float.NaN);
        var ws = layer.CreateWorkspace();
        layer.Forward(ws, FixtureFile.ToFloat(f.Tensor("x")), batch, seq, lengths,
            FixtureFile.ToFloat(f.Tensor("h0")), lstm ? FixtureFile.ToFloat(f.Tensor("c0")) : [], output, hN, cN);

        results.AddRange(output);
        results.AddRange(hN);
        results.AddRange(cN);
        TestAssert.AssertClose(f.Tensor("output"), output, Rtol, Atol, $"{fileName}: output");
        TestAssert.AssertClose(f.Tensor("h_n"), hN, Rtol, Atol, $"{fileName}: h_n");
        if (lstm)
        {
            TestAssert.AssertClose(f.Tensor("c_n"), cN, Rtol, Atol, $"{fileName}: c_n");
        }
        int width = options.NumDirections * h;
        for (int b = 0; b < batch; b++)
        {
            for (int t = lengths[b]; t < seq; t++)
            {
                for (int j = 0; j < width; j++)
                {
                    Assert.AreEqual(0f, output[(b * seq + t) * width + j], $"{fileName}: output at padded step b={b} t={t} must be exactly 0");
                }
            }
        }

        var dX = new float[batch * seq * options.InputSize];
        var dH0 = new float[stateSize];
        var dC0 = lstm ? new float[stateSize] : [];
        layer.Parameters.ZeroGradients();
        layer.Backward(ws, FixtureFile.ToFloat(f.Tensor("d_output")), FixtureFile.ToFloat(f.Tensor("d_h_n")),
            lstm ? FixtureFile.ToFloat(f.Tensor("d_c_n")) : [], dX, dH0, dC0);
        results.AddRange(dX);
        results.AddRange(dH0);
        results.AddRange(dC0);
        TestAssert.AssertClose(f.Tensor("grad", "x"), dX, Rtol, Atol, $"{fileName}: grad x");
        TestAssert.AssertClose(f.Tensor("grad", "h0"), dH0, Rtol, Atol, $"{fileName}: grad h0");
        if (lstm)
        {
            TestAssert.AssertClose(f.Tensor("grad", "c0"), dC0, Rtol, Atol, $"{fileName}: grad c0");
        }
        foreach (string name in names)
        {
            TestAssert.AssertClose(f.Tensor("grad", name), layer.Parameters.GetGradients(name), Rtol, Atol, $"{fileName}: grad {name}");
            results.AddRange(layer.Parameters.GetGradients(name).ToArray());
        }
        return results.ToArray();
    }

    [TestMethod]
    public void FixtureDirectory_HasLayerFixtures()
    {
        Assert.IsTrue(LayerFixtures.Any(), $"no layer fixtures found in {TestPaths.FixturesDirectory}");
    }

    internal static RecurrentCellKind ParseCell(string cell) => cell switch
    {
        "lstm" => RecurrentCellKind.Lstm,
        "gru" => RecurrentCellKind.Gru,
        "rnn_tanh" => RecurrentCellKind.RnnTanh,
        "rnn_relu" => RecurrentCellKind.RnnRelu,
        _ => throw new ArgumentException($"unknown cell '{cell}' in fixture", nameof(cell)),
    };
}
