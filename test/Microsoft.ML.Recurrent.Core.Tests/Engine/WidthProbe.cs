using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Tests.Layers;
using Microsoft.ML.Recurrent.Tests.Models;

namespace Microsoft.ML.Recurrent.Tests.Engine;

/// <summary>
/// A representative set of results — PyTorch layer fixtures forward and backward (every cell, bidirectional, variable
/// lengths, batch 1), GEMMs on every path (small-m, blocked, all transposes) and the softmax cross-entropy — computed on 1, 2 and 3 threads,
/// checked against PyTorch and between thread counts, and summarised as a SHA-256 of their bits. The test process
/// computes it at the machine's widest vectors; <see cref="VectorWidthProcessTests"/> computes it again in child
/// processes (this test assembly run as a program with <c>--width-probe</c>) whose .NET switches allow narrower ones.
/// </summary>
internal static class WidthProbe
{
    /// <summary>The argument that makes the test assembly, run as a program, print the probe's line.</summary>
    public const string Argument = "--width-probe";

    private static readonly string[] Fixtures =
    [
        "lstm_l2_bi_var.json", "lstm_l2_bi_eq_b1.json", "gru_l2_bi_var.json", "gru_l1_uni_nobias.json",
        "rnn_tanh_l2_uni_var.json", "rnn_relu_l1_bi_var.json",
    ];

    /// <summary>The widest accelerated vectors of this process, in bits.</summary>
    public static int Widest => Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;

    /// <summary>"widest=… fma=… gemm=… digest=…": what this process runs at and the digest of its results.</summary>
    public static string Line()
    {
        bool fma = Fma.IsSupported || AdvSimd.IsSupported;
        return $"widest={Widest} vector_t={Vector<float>.Count} fma={fma} gemm={Gemm.HardwareLevel} digest={Digest()}";
    }

    /// <summary>Runs the set on 1, 2 and 3 threads (asserting they agree bit for bit) and returns the SHA-256 of the bits.</summary>
    public static string Digest()
    {
        int saved = ComputeSettings.MaxThreads;
        try
        {
            float[]? first = null;
            foreach (int threads in new[] { 1, 2, 3 })
            {
                ComputeSettings.MaxThreads = threads;
                float[] results = Results();
                if (first is null)
                {
                    first = results;
                }
                else
                {
                    TestAssert.AssertBitIdentical(first, results, $"{threads} threads against 1 at {Widest}-bit vectors");
                }
            }
            byte[] bytes = new byte[first!.Length * sizeof(float)];
            Buffer.BlockCopy(first, 0, bytes, 0, bytes.Length);
            return Convert.ToHexString(SHA256.HashData(bytes));
        }
        finally
        {
            ComputeSettings.MaxThreads = saved;
        }
    }

    private static float[] Results()
    {
        var all = new List<float>();
        foreach (string fixture in Fixtures)
        {
            all.AddRange(LayerFixtureTests.Run(fixture));
        }
        var rng = new Random(11);
        // Small m (streamed and dot-product paths), edge tiles, several k blocks, every transpose.
        foreach (var (m, n, k) in new[] { (1, 200, 300), (3, 70, 37), (4, 33, 129), (13, 45, 300), (37, 129, 520) })
        {
            for (int combo = 0; combo < 4; combo++)
            {
                bool transA = (combo & 1) != 0, transB = (combo & 2) != 0;
                float[] a = Values(rng, m * k), b = Values(rng, k * n), c = Values(rng, m * n);
                Gemm.Multiply(transA, transB, m, n, k, a, transA ? m : k, b, transB ? k : n, c, n, accumulate: combo % 2 == 0);
                all.AddRange(c);
            }
        }
        // The softmax cross-entropy (its vectorised exp, its ordered sum): loss bits and gradient, widths' tails included.
        var (logits, targets, weights) = CrossEntropyRowsTests.Batch(seed: 12, rows: 19, classes: 1_003);
        var gradient = new float[logits.Length];
        double total = 0;
        long correct = 0;
        CrossEntropyRows.Add(logits, targets, 1_003, gradient, overwrite: true, 0.1, weights, countCorrect: true, ref total, ref correct);
        long bits = BitConverter.DoubleToInt64Bits(total);
        all.AddRange(gradient);
        all.AddRange([BitConverter.Int32BitsToSingle((int)bits), BitConverter.Int32BitsToSingle((int)(bits >> 32)), correct]);
        return all.ToArray();
    }

    private static float[] Values(Random rng, int count) => Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
}
