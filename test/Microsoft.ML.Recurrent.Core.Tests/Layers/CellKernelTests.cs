using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Tests.Layers;

/// <summary>
/// The fused cell kernels against a double-precision reference at every hidden size 0..257 (covering every
/// vector width and remainder), at extreme pre-activations (±300) and with NaN, which must propagate.
/// </summary>
[TestClass]
public sealed class CellKernelTests
{
    private static float[] Values(Random rng, int n, float scale) =>
        Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();

    private static double Sig(double v) => 1 / (1 + Math.Exp(-v));

    [TestMethod]
    public void Lstm_EveryHiddenSize_MatchesDoubleReference()
    {
        var rng = new Random(11);
        for (int h = 0; h <= 257; h++)
        {
            const int rows = 2;
            float[] xg = Values(rng, rows * 4 * h, 3), hg = Values(rng, rows * 4 * h, 3), bhh = Values(rng, 4 * h, 1), cPrev = Values(rng, rows * h, 2);
            var gates = new float[rows * 4 * h];
            var cNew = new float[rows * h];
            var hNew = new float[rows * h];
            var tanhC = new float[rows * h];
            LstmCell.Forward(xg, hg, bhh, cPrev, rows, h, gates, cNew, tanhC, hNew);
            var expectC = new double[rows * h];
            var expectH = new double[rows * h];
            for (int r = 0; r < rows; r++)
            {
                for (int j = 0; j < h; j++)
                {
                    double Pre(int g) => (double)xg[r * 4 * h + g * h + j] + hg[r * 4 * h + g * h + j] + bhh[g * h + j];
                    double c = Sig(Pre(1)) * cPrev[r * h + j] + Sig(Pre(0)) * Math.Tanh(Pre(2));
                    expectC[r * h + j] = c;
                    expectH[r * h + j] = Sig(Pre(3)) * Math.Tanh(c);
                }
            }
            TestAssert.AssertClose(expectC, cNew, 1e-5, 1e-6, $"lstm c, H={h}");
            TestAssert.AssertClose(expectH, hNew, 1e-5, 1e-6, $"lstm h, H={h}");

            // Backward against the chain rule written out in double.
            float[] dh = Values(rng, rows * h, 1), dc = Values(rng, rows * h, 1);
            var dcIn = (float[])dc.Clone();
            var dGates = new float[rows * 4 * h];
            LstmCell.Backward(gates, cPrev, tanhC, dh, rows, h, dc, dGates);
            var expectDg = new double[rows * 4 * h];
            var expectDc = new double[rows * h];
            for (int r = 0; r < rows; r++)
            {
                for (int j = 0; j < h; j++)
                {
                    int g0 = r * 4 * h;
                    double i = gates[g0 + j], f = gates[g0 + h + j], g = gates[g0 + 2 * h + j], o = gates[g0 + 3 * h + j];
                    double tc = Math.Tanh(cNew[r * h + j]);
                    double dct = dcIn[r * h + j] + dh[r * h + j] * o * (1 - tc * tc);
                    expectDg[g0 + j] = dct * g * i * (1 - i);
                    expectDg[g0 + h + j] = dct * cPrev[r * h + j] * f * (1 - f);
                    expectDg[g0 + 2 * h + j] = dct * i * (1 - g * g);
                    expectDg[g0 + 3 * h + j] = dh[r * h + j] * tc * o * (1 - o);
                    expectDc[r * h + j] = dct * f;
                }
            }
            TestAssert.AssertClose(expectDg, dGates, 1e-4, 1e-6, $"lstm dGates, H={h}");
            TestAssert.AssertClose(expectDc, dc, 1e-4, 1e-6, $"lstm dc, H={h}");
        }
    }

    [TestMethod]
    public void Gru_EveryHiddenSize_MatchesDoubleReference()
    {
        var rng = new Random(12);
        for (int h = 0; h <= 257; h++)
        {
            const int rows = 2;
            float[] xg = Values(rng, rows * 3 * h, 3), hg = Values(rng, rows * 3 * h, 3), bhh = Values(rng, 3 * h, 1), hPrev = Values(rng, rows * h, 1);
            var saved = new float[rows * 4 * h];
            var hNew = new float[rows * h];
            GruCell.Forward(xg, hg, bhh, hPrev, rows, h, saved, hNew);
            var expect = new double[rows * h];
            for (int r = 0; r < rows; r++)
            {
                for (int j = 0; j < h; j++)
                {
                    int g0 = r * 3 * h;
                    double rr = Sig((double)xg[g0 + j] + hg[g0 + j] + bhh[j]);
                    double z = Sig((double)xg[g0 + h + j] + hg[g0 + h + j] + bhh[h + j]);
                    double n = Math.Tanh(xg[g0 + 2 * h + j] + rr * ((double)hg[g0 + 2 * h + j] + bhh[2 * h + j]));
                    expect[r * h + j] = (1 - z) * n + z * hPrev[r * h + j];
                }
            }
            TestAssert.AssertClose(expect, hNew, 1e-5, 1e-6, $"gru h, H={h}");
        }
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void Rnn_EveryHiddenSize_MatchesDoubleReference(bool relu)
    {
        var rng = new Random(13);
        for (int h = 0; h <= 257; h++)
        {
            const int rows = 3;
            float[] xg = Values(rng, rows * h, 3), hg = Values(rng, rows * h, 3), bhh = Values(rng, h, 1);
            var hNew = new float[rows * h];
            RnnCell.Forward(xg, hg, bhh, relu, rows, h, hNew);
            var expect = new double[rows * h];
            for (int i = 0; i < rows * h; i++)
            {
                double pre = (double)xg[i] + hg[i] + bhh[i % h];
                expect[i] = relu ? Math.Max(0, pre) : Math.Tanh(pre);
            }
            TestAssert.AssertClose(expect, hNew, 1e-5, 1e-6, $"rnn h, H={h}");
        }
    }

    [TestMethod]
    public void Lstm_ExtremePreActivations_SaturateWithoutNaN()
    {
        const int h = 37;
        foreach (float v in new[] { 300f, -300f })
        {
            var xg = Enumerable.Repeat(v, 4 * h).ToArray();
            var gates = new float[4 * h];
            var cNew = new float[h];
            var hNew = new float[h];
            LstmCell.Forward(xg, new float[4 * h], [], Enumerable.Repeat(1f, h).ToArray(), 1, h, gates, cNew, new float[h], hNew);
            // +300: i = f = o = 1, g = 1 -> c = 2, h = tanh(2). -300: i = f = o = 0, g = -1 -> c = 0, h = 0.
            float expectC = v > 0 ? 2f : 0f;
            float expectH = v > 0 ? MathF.Tanh(2f) : 0f;
            for (int j = 0; j < h; j++)
            {
                Assert.AreEqual(expectC, cNew[j], 1e-6f, $"c at {j} for {v}");
                Assert.AreEqual(expectH, hNew[j], 1e-6f, $"h at {j} for {v}");
            }
        }
    }

    [TestMethod]
    public void Kernels_NaNInput_Propagates()
    {
        const int h = 19;
        var xg = new float[4 * h];
        xg[5] = float.NaN; // gate i, unit 5
        var hNew = new float[h];
        LstmCell.Forward(xg, new float[4 * h], [], new float[h], 1, h, new float[4 * h], new float[h], new float[h], hNew);
        Assert.IsTrue(float.IsNaN(hNew[5]), "LSTM: NaN must reach h");
        Assert.IsFalse(float.IsNaN(hNew[4]), "LSTM: other units are unaffected");

        var gx = new float[3 * h];
        gx[2 * h + 3] = float.NaN; // gate n, unit 3
        var gh = new float[h];
        GruCell.Forward(gx, new float[3 * h], [], new float[h], 1, h, new float[4 * h], gh);
        Assert.IsTrue(float.IsNaN(gh[3]), "GRU: NaN must reach h");

        foreach (bool relu in new[] { false, true })
        {
            var rx = new float[h];
            rx[7] = float.NaN;
            var rh = new float[h];
            RnnCell.Forward(rx, new float[h], [], relu, 1, h, rh);
            Assert.IsTrue(float.IsNaN(rh[7]), $"RNN (relu={relu}): NaN must reach h");
        }
    }
}
