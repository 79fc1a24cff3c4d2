using BenchmarkDotNet.Attributes;
using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// The fused LSTM and GRU cell kernels (one time step, forward and backward) for a batch of 32 rows, at an aligned hidden
/// size (128: whole 512-bit vectors) and a ragged one (100: six 512-bit vectors, then one 128-bit vector per row).
/// </summary>
[MemoryDiagnoser]
public class CellKernelBenchmarks
{
    private const int Rows = 32;
    private float[] _xg = [], _hg = [], _bhh = [], _state = [], _gates = [], _cNew = [], _tanhC = [], _hNew = [], _dh = [], _dc = [], _dGx = [], _dGh = [];

    [Params(128, 100)]
    public int Hidden { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        float[] Fill(int n, float scale) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
        int h = Hidden;
        (_xg, _hg, _bhh) = (Fill(Rows * 4 * h, 3), Fill(Rows * 4 * h, 3), Fill(4 * h, 1));
        (_state, _dh, _dc) = (Fill(Rows * h, 1), Fill(Rows * h, 1), Fill(Rows * h, 1));
        (_gates, _cNew, _tanhC, _hNew) = (new float[Rows * 4 * h], new float[Rows * h], new float[Rows * h], new float[Rows * h]);
        (_dGx, _dGh) = (new float[Rows * 4 * h], new float[Rows * 3 * h]);
        LstmCell.Forward(_xg, _hg, _bhh, _state, Rows, h, _gates, _cNew, _tanhC, _hNew);
    }

    [Benchmark]
    public void LstmForward() => LstmCell.Forward(_xg, _hg, _bhh, _state, Rows, Hidden, _gates, _cNew, _tanhC, _hNew);

    // dc is read and overwritten: dc <- (dc + dh o (1 - tanh²c)) f settles at a finite fixed point, so the timing stays steady.
    [Benchmark]
    public void LstmBackward() => LstmCell.Backward(_gates, _state, _tanhC, _dh, Rows, Hidden, _dc, _dGx);

    [Benchmark]
    public void GruForward() => GruCell.Forward(_xg, _hg, _bhh.AsSpan(0, 3 * Hidden), _state, Rows, Hidden, _gates, _hNew);

    [Benchmark]
    public void GruBackward() => GruCell.Backward(_gates, _state, _dh, Rows, Hidden, _dGx, _dGh, 3 * Hidden, _cNew);
}
