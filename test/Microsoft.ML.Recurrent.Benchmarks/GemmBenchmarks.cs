using BenchmarkDotNet.Attributes;
using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// Single-precision GEMM (Engine/Gemm.cs) on an aligned and a ragged square and on the shapes of the
/// recurrent passes. Shape names read op(A) (m x k) @ op(B) (k x n); GFLOP/s = 2 m n k / time.
/// </summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private float[] _a = [];
    private float[] _b = [];
    private float[] _c = [];
    private int _m;
    private int _n;
    private int _k;

    public static IEnumerable<string> Shapes =>
    [
        "1024x1024@1024x1024",   // aligned square
        "1000x997@997x999",      // ragged square: edge tiles in m and n, k not a multiple of the block
        "2048x128@128x512",      // input projection, batch x time rows
        "32x128@128x512",        // recurrent step, batch 32, H 128 (LSTM: 4H = 512)
        "64x512@512x2048",       // recurrent step, batch 64, H 512
        "1x128@128x512",         // recurrent step at batch 1: a GEMV
    ];

    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "";

    /// <summary>Operand layouts: NN (input gradients), NT (weights stored PyTorch-style (out, in)), TN (weight gradients).</summary>
    [Params("NN", "NT", "TN")]
    public string Layout { get; set; } = "NN";

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string[] parts = Shape.Split('@');
        string[] left = parts[0].Split('x');
        string[] right = parts[1].Split('x');
        (_m, _k, _n) = (int.Parse(left[0]), int.Parse(left[1]), int.Parse(right[1]));
        var rng = new Random(42);
        _a = Fill(rng, _m * _k);
        _b = Fill(rng, _k * _n);
        _c = new float[_m * _n];
        ComputeSettings.MaxThreads = Threads;
    }

    [Benchmark]
    public void Multiply()
    {
        bool transA = Layout[0] == 'T';
        bool transB = Layout[1] == 'T';
        Gemm.Multiply(transA, transB, _m, _n, _k, _a, transA ? _m : _k, _b, transB ? _k : _n, _c, _n, accumulate: false);
    }

    private static float[] Fill(Random rng, int length)
    {
        var x = new float[length];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(rng.NextDouble() * 2 - 1);
        }
        return x;
    }
}
