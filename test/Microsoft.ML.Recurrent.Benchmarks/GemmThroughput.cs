using System.Globalization;
using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// GFLOP/s of our SGEMM on the plain-sgemm shapes of torch_baseline.md (M x K @ K x N, row-major, no transposes),
/// printed as JSON lines so they can be put beside OpenBLAS's figures from torch_rnn_bench.py.
/// </summary>
internal static class GemmThroughput
{
    private static readonly (string Name, int M, int K, int N)[] Shapes =
    [
        ("square_1024", 1024, 1024, 1024),
        ("input_proj_2048x128_x_128x512", 2048, 128, 512),
        ("recurrent_32x128_x_128x512", 32, 128, 512),
        ("recurrent_64x512_x_512x2048", 64, 512, 2048),
        ("recurrent_1x128_x_128x512", 1, 128, 512),
    ];

    /// <summary>Times every shape; returns (name, GFLOP/s) for the comparison with OpenBLAS.</summary>
    public static List<(string Name, double Gflops)> Run(int threads, bool quick, TextWriter output)
    {
        var results = new List<(string Name, double Gflops)>();
        ComputeSettings.MaxThreads = threads;
        var rng = new Random(1);
        foreach (var (name, m, k, n) in Shapes)
        {
            var a = new float[m * k];
            var b = new float[k * n];
            var c = new float[m * n];
            for (int i = 0; i < a.Length; i++)
            {
                a[i] = (float)rng.NextDouble();
            }
            for (int i = 0; i < b.Length; i++)
            {
                b[i] = (float)rng.NextDouble();
            }
            double ms = ThroughputRunner.MedianMs(() => Gemm.Multiply(false, false, m, n, k, a, k, b, n, c, n, accumulate: false), quick);
            double gflops = 2.0 * m * n * k / (ms / 1e3) / 1e9;
            results.Add((name, gflops));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"cell\": \"gemm\", \"config\": \"{name}\", \"mode\": \"sgemm\", \"ms\": {ms:F4}, \"gflops\": {gflops:F1}, \"threads\": {threads}}}"));
        }
        return results;
    }
}
