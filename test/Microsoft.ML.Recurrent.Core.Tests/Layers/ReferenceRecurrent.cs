using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Tests.Layers;

/// <summary>
/// A plain double-precision forward pass of a stacked, bidirectional recurrent layer, written straight from
/// PyTorch's equations (one sequence, one direction, one step at a time). Finite differences of it give
/// the reference gradients the engine's backward pass is checked against.
/// </summary>
internal sealed class ReferenceRecurrent(RecurrentLayerOptions options, Dictionary<string, double[]> parameters)
{
    public RecurrentLayerOptions Options { get; } = options;

    public Dictionary<string, double[]> Parameters { get; } = parameters;

    /// <summary>Returns output (B,T,D*H), h_n and c_n (L*D,B,H).</summary>
    public (double[] Output, double[] HN, double[] CN) Forward(double[] x, int batch, int seq, int[] lengths, double[] h0, double[] c0)
    {
        var o = Options;
        int h = o.HiddenSize, dirs = o.NumDirections, gates = o.GateCount;
        int slots = o.NumLayers * dirs;
        var hN = new double[slots * batch * h];
        var cN = new double[slots * batch * h];
        double[] input = x;
        int inSize = o.InputSize;
        double[] output = [];
        for (int k = 0; k < o.NumLayers; k++)
        {
            output = new double[batch * seq * dirs * h];
            for (int d = 0; d < dirs; d++)
            {
                string suffix = $"_l{k}" + (d == 1 ? "_reverse" : "");
                double[] wih = Parameters["weight_ih" + suffix], whh = Parameters["weight_hh" + suffix];
                double[] bih = o.Bias ? Parameters["bias_ih" + suffix] : new double[gates * h];
                double[] bhh = o.Bias ? Parameters["bias_hh" + suffix] : new double[gates * h];
                int slot = k * dirs + d;
                for (int b = 0; b < batch; b++)
                {
                    var hs = new double[h];
                    var cs = new double[h];
                    Array.Copy(h0, (slot * batch + b) * h, hs, 0, h);
                    if (o.Cell == RecurrentCellKind.Lstm)
                    {
                        Array.Copy(c0, (slot * batch + b) * h, cs, 0, h);
                    }
                    int n = lengths[b];
                    for (int s = 0; s < n; s++)
                    {
                        int t = d == 0 ? s : n - 1 - s;
                        var xi = new double[gates * h];
                        var hi = new double[gates * h];
                        for (int r = 0; r < gates * h; r++)
                        {
                            double sx = bih[r], sh = bhh[r];
                            for (int c = 0; c < inSize; c++)
                            {
                                sx += wih[r * inSize + c] * input[(b * seq + t) * inSize + c];
                            }
                            for (int c = 0; c < h; c++)
                            {
                                sh += whh[r * h + c] * hs[c];
                            }
                            xi[r] = sx;
                            hi[r] = sh;
                        }
                        Step(o.Cell, h, xi, hi, hs, cs);
                        Array.Copy(hs, 0, output, (b * seq + t) * dirs * h + d * h, h);
                    }
                    Array.Copy(hs, 0, hN, (slot * batch + b) * h, h);
                    Array.Copy(cs, 0, cN, (slot * batch + b) * h, h);
                }
            }
            input = output;
            inSize = dirs * h;
        }
        return (output, hN, cN);
    }

    private static double Sig(double v) => 1.0 / (1.0 + Math.Exp(-v));

    private static void Step(RecurrentCellKind cell, int h, double[] xi, double[] hi, double[] hs, double[] cs)
    {
        for (int j = 0; j < h; j++)
        {
            switch (cell)
            {
                case RecurrentCellKind.Lstm:
                    double i = Sig(xi[j] + hi[j]), f = Sig(xi[h + j] + hi[h + j]);
                    double g = Math.Tanh(xi[2 * h + j] + hi[2 * h + j]), o = Sig(xi[3 * h + j] + hi[3 * h + j]);
                    cs[j] = f * cs[j] + i * g;
                    hs[j] = o * Math.Tanh(cs[j]);
                    break;
                case RecurrentCellKind.Gru:
                    double r = Sig(xi[j] + hi[j]), z = Sig(xi[h + j] + hi[h + j]);
                    double n = Math.Tanh(xi[2 * h + j] + r * hi[2 * h + j]);
                    hs[j] = (1 - z) * n + z * hs[j];
                    break;
                case RecurrentCellKind.RnnTanh:
                    hs[j] = Math.Tanh(xi[j] + hi[j]);
                    break;
                default:
                    hs[j] = Math.Max(0, xi[j] + hi[j]);
                    break;
            }
        }
    }
}
