using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Tests.Layers;

/// <summary>
/// The engine against a double-precision reference on shapes the fixtures do not cover (batch 1, one step,
/// hidden size 1, length-40 sequences, three layers): forward values directly, backward against central
/// finite differences of the double reference.
/// </summary>
[TestClass]
public sealed class RecurrentLayerGradientTests
{
    public static IEnumerable<object[]> Shapes =>
    [
        // cell, input, hidden, layers, bidirectional, batch, seq, lengths (empty = all seq), bias
        ["Lstm", 3, 1, 1, false, 1, 1, "", true],
        ["Gru", 2, 1, 2, true, 1, 5, "", true],
        ["RnnTanh", 1, 3, 3, true, 3, 4, "4,1,3", true],
        ["RnnRelu", 4, 5, 2, false, 4, 6, "2,6,6,1", true],
        ["Lstm", 2, 3, 1, true, 2, 40, "40,17", true],
        ["Gru", 3, 4, 1, false, 2, 40, "23,40", false],
        ["Lstm", 5, 4, 3, true, 3, 7, "7,2,5", true],
        ["Gru", 4, 6, 2, true, 5, 6, "3,6,1,6,2", true],
    ];

    [TestMethod]
    [DynamicData(nameof(Shapes))]
    public void Backward_RandomShape_MatchesFiniteDifferencesOfDoubleReference(
        string cell, int input, int hidden, int layers, bool bidirectional, int batch, int seq, string lengthList, bool bias)
    {
        var options = new RecurrentLayerOptions
        {
            Cell = Enum.Parse<RecurrentCellKind>(cell), InputSize = input, HiddenSize = hidden,
            NumLayers = layers, Bidirectional = bidirectional, Bias = bias,
        };
        int[] lengths = lengthList.Length == 0 ? Enumerable.Repeat(seq, batch).ToArray() : lengthList.Split(',').Select(int.Parse).ToArray();
        var rng = new Random(1234 + input * 7 + hidden * 13 + seq);
        var layer = new RecurrentLayer(options);
        layer.ResetParameters(rng);
        // Parameters as the float engine sees them, widened exactly to double for the reference.
        var p = layer.ParameterNames.ToDictionary(n => n, n => layer.Parameters.GetValues(n).ToArray().Select(v => (double)v).ToArray());
        bool lstm = options.Cell == RecurrentCellKind.Lstm;
        int slots = layers * options.NumDirections;
        int width = options.NumDirections * hidden;
        double[] x = Random(rng, batch * seq * input, 1.0);
        double[] h0 = Random(rng, slots * batch * hidden, 0.5);
        double[] c0 = lstm ? Random(rng, slots * batch * hidden, 0.5) : new double[slots * batch * hidden];
        double[] dOut = Random(rng, batch * seq * width, 1.0);
        double[] dHn = Random(rng, slots * batch * hidden, 1.0);
        double[] dCn = lstm ? Random(rng, slots * batch * hidden, 1.0) : new double[slots * batch * hidden];
        for (int b = 0; b < batch; b++)
        {
            for (int t = lengths[b]; t < seq; t++)
            {
                Array.Clear(dOut, (b * seq + t) * width, width);
            }
        }

        // Engine, float32.
        var ws = layer.CreateWorkspace();
        var output = new float[batch * seq * width];
        var hN = new float[slots * batch * hidden];
        var cN = lstm ? new float[slots * batch * hidden] : [];
        layer.Forward(ws, F(x), batch, seq, lengths, F(h0), lstm ? F(c0) : [], output, hN, cN);
        var dX = new float[x.Length];
        var dH0 = new float[h0.Length];
        var dC0 = lstm ? new float[c0.Length] : [];
        layer.Parameters.ZeroGradients();
        layer.Backward(ws, F(dOut), F(dHn), lstm ? F(dCn) : [], dX, dH0, dC0);

        var reference = new ReferenceRecurrent(options, p);
        var (refOut, refHn, refCn) = reference.Forward(x, batch, seq, lengths, h0, c0);
        TestAssert.AssertClose(refOut, output, 1e-4, 1e-5, "output");
        TestAssert.AssertClose(refHn, hN, 1e-4, 1e-5, "h_n");
        if (lstm)
        {
            TestAssert.AssertClose(refCn, cN, 1e-4, 1e-5, "c_n");
        }

        double Loss()
        {
            var (o, hn, cn) = reference.Forward(x, batch, seq, lengths, h0, c0);
            return Dot(o, dOut) + Dot(hn, dHn) + (lstm ? Dot(cn, dCn) : 0);
        }
        TestAssert.AssertClose(FiniteDifferences(x, Loss), dX, 1e-3, 1e-4, "grad x");
        TestAssert.AssertClose(FiniteDifferences(h0, Loss), dH0, 1e-3, 1e-4, "grad h0");
        if (lstm)
        {
            TestAssert.AssertClose(FiniteDifferences(c0, Loss), dC0, 1e-3, 1e-4, "grad c0");
        }
        foreach (string name in layer.ParameterNames)
        {
            TestAssert.AssertClose(FiniteDifferences(p[name], Loss), layer.Parameters.GetGradients(name), 1e-3, 1e-4, $"grad {name}");
        }
    }

    [TestMethod]
    public void Forward_SameBatchTwice_IsBitIdentical_AndPaddingNeverRead()
    {
        var options = new RecurrentLayerOptions { Cell = RecurrentCellKind.Lstm, InputSize = 3, HiddenSize = 4, Bidirectional = true, NumLayers = 2 };
        var layer = new RecurrentLayer(options);
        layer.ResetParameters(new Random(5));
        int batch = 3, seq = 5;
        int[] lengths = [5, 2, 4];
        var x = F(Random(new Random(6), batch * seq * 3, 1.0));
        var ws = layer.CreateWorkspace();
        var first = new float[batch * seq * 8];
        layer.Forward(ws, x, batch, seq, lengths, [], [], first, [], []);
        // Junk (even NaN) at padded steps must not change anything.
        for (int b = 0; b < batch; b++)
        {
            for (int t = lengths[b]; t < seq; t++)
            {
                x.AsSpan((b * seq + t) * 3, 3).Fill(float.NaN);
            }
        }
        var second = new float[first.Length];
        layer.Forward(ws, x, batch, seq, lengths, [], [], second, [], []);
        TestAssert.AssertBitIdentical(first, second, "output with junk padding");
    }

    private static double[] FiniteDifferences(double[] values, Func<double> loss)
    {
        const double eps = 1e-6;
        var grad = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double keep = values[i];
            values[i] = keep + eps;
            double plus = loss();
            values[i] = keep - eps;
            double minus = loss();
            values[i] = keep;
            grad[i] = (plus - minus) / (2 * eps);
        }
        return grad;
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }
        return s;
    }

    // Values exactly representable in float32, so the float engine and the double reference see the same inputs.
    private static double[] Random(Random rng, int count, double scale) =>
        Enumerable.Range(0, count).Select(_ => (double)(float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();

    private static float[] F(double[] values) => values.Select(v => (float)v).ToArray();
}
