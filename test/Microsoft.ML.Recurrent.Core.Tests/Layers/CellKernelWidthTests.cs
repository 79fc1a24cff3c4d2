using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Tests.Layers;

/// <summary>
/// Every cell kernel limited to each vector width (128, 256 and 512 bits, as far as this machine has them) against the
/// same kernel one float at a time: the same bits at every hidden size 0..257, with and without bias, with ±300, ±∞,
/// ±0 and NaN among the inputs. A NaN must stay NaN; its sign bit is left to the hardware (which operand of an
/// instruction it comes from is the JIT's choice).
/// </summary>
[TestClass]
public sealed class CellKernelWidthTests
{
    private static readonly VectorWidth[] VectorWidths = [VectorWidth.Vector128, VectorWidth.Vector256, VectorWidth.Vector512];
    private static readonly float[] Specials = [300f, -300f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 0f, -0f, 1e-5f, 9.1f, -88f];

    private static float[] Values(Random rng, int n, float scale) =>
        Enumerable.Range(0, n).Select(_ => rng.Next(16) == 0 ? Specials[rng.Next(Specials.Length)] : (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();

    // Runs `kernel` (fresh inputs from `seed` each time) one float at a time and at every vector width; compares every output.
    private static void AssertEveryWidthAgrees(int seed, Func<Random, VectorWidth, float[][]> kernel, string label)
    {
        float[][] scalar = kernel(new Random(seed), VectorWidth.Scalar);
        foreach (var width in VectorWidths)
        {
            float[][] actual = kernel(new Random(seed), width);
            for (int o = 0; o < scalar.Length; o++)
            {
                for (int i = 0; i < scalar[o].Length; i++)
                {
                    float e = scalar[o][i], a = actual[o][i];
                    bool same = float.IsNaN(e) ? float.IsNaN(a) : BitConverter.SingleToInt32Bits(e) == BitConverter.SingleToInt32Bits(a);
                    Assert.IsTrue(same, $"{label}, {width}: output {o} [{i}] is {a}, one float at a time gives {e}");
                }
            }
        }
    }

    [TestMethod]
    public void LstmForwardAndBackward_EveryWidth_SameBitsAsScalar()
    {
        for (int h = 0; h <= 257; h++)
        {
            foreach (bool bias in new[] { true, false })
            {
                int hidden = h, rows = 1 + h % 3;
                AssertEveryWidthAgrees(h, (rng, width) =>
                {
                    float[] xg = Values(rng, rows * 4 * hidden, 4), hg = Values(rng, rows * 4 * hidden, 4), cPrev = Values(rng, rows * hidden, 2);
                    float[] bhh = bias ? Values(rng, 4 * hidden, 1) : [];
                    float[] gates = new float[rows * 4 * hidden], cNew = new float[rows * hidden], tanhC = new float[rows * hidden], hNew = new float[rows * hidden];
                    LstmCell.Forward(xg, hg, bhh, cPrev, rows, hidden, gates, cNew, tanhC, hNew, width);
                    float[] dh = Values(rng, rows * hidden, 1), dc = Values(rng, rows * hidden, 1), dGates = new float[rows * 4 * hidden];
                    LstmCell.Backward(gates, cPrev, tanhC, dh, rows, hidden, dc, dGates, width);
                    return [gates, cNew, tanhC, hNew, dc, dGates];
                }, $"lstm H={h} bias={bias}");
            }
        }
    }

    [TestMethod]
    public void GruForwardAndBackward_EveryWidth_SameBitsAsScalar()
    {
        for (int h = 0; h <= 257; h++)
        {
            foreach (bool bias in new[] { true, false })
            {
                int hidden = h, rows = 1 + h % 3;
                AssertEveryWidthAgrees(h, (rng, width) =>
                {
                    float[] xg = Values(rng, rows * 3 * hidden, 4), hg = Values(rng, rows * 3 * hidden, 4), hPrev = Values(rng, rows * hidden, 1);
                    float[] bhh = bias ? Values(rng, 3 * hidden, 1) : [];
                    float[] saved = new float[rows * GruCell.SavedPerHidden * hidden], hNew = new float[rows * hidden];
                    GruCell.Forward(xg, hg, bhh, hPrev, rows, hidden, saved, hNew, width);
                    float[] dh = Values(rng, rows * hidden, 1);
                    float[] dGx = new float[rows * 3 * hidden], dGh = new float[rows * 3 * hidden], dhPrevDirect = new float[rows * hidden];
                    GruCell.Backward(saved, hPrev, dh, rows, hidden, dGx, dGh, 3 * hidden, dhPrevDirect, width);
                    return [saved, hNew, dGx, dGh, dhPrevDirect];
                }, $"gru H={h} bias={bias}");
            }
        }
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void RnnForwardAndBackward_EveryWidth_SameBitsAsScalar(bool relu)
    {
        for (int h = 0; h <= 257; h++)
        {
            int hidden = h, rows = 1 + h % 3;
            AssertEveryWidthAgrees(h, (rng, width) =>
            {
                float[] xg = Values(rng, rows * hidden, 4), hg = Values(rng, rows * hidden, 4), bhh = Values(rng, hidden, 1);
                float[] hNew = new float[rows * hidden];
                RnnCell.Forward(xg, hg, bhh, relu, rows, hidden, hNew, width);
                float[] dh = Values(rng, rows * hidden, 1), dGates = new float[rows * hidden];
                RnnCell.Backward(hNew, dh, relu, rows, hidden, dGates, width);
                return [hNew, dGates];
            }, $"rnn H={h} relu={relu}");
        }
    }
}
