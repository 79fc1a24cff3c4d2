using BenchmarkDotNet.Attributes;
using Microsoft.ML.Recurrent.Explainability;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// Time per explained row: integrated gradients (32 nodes, plus the input and the baseline, in one batched
/// forward/backward) of the sentiment example's default classifier (bidirectional LSTM, embedding 64, hidden 64, max
/// pooling, 2,000 words) on one sentence of 16 or 37 tokens, beside one plain prediction of the same row.
/// </summary>
[MemoryDiagnoser]
public class AttributionBenchmarks
{
    private SequenceModel _model = null!;
    private IntegratedGradients _explainer = null!;
    private ModelWorkspace _workspace = null!;
    private int[] _tokens = [];

    [Params(16, 37)]
    public int Length { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = new SequenceModel(new SequenceModelOptions
        {
            VocabularySize = 2000, EmbeddingSize = 64, HiddenSize = 64, Bidirectional = true, Pooling = SequencePooling.Max,
        }, seed: 1);
        _explainer = new IntegratedGradients(_model);
        _workspace = _model.CreateWorkspace();
        var rng = new Random(3);
        _tokens = Enumerable.Range(0, Length).Select(_ => rng.Next(2, 2000)).ToArray();
    }

    [Benchmark(Baseline = true)]
    public float Predict()
    {
        _model.Forward(_workspace, new[] { SequenceExample.ForPrediction(_tokens) }, training: false, null, default, default);
        return _workspace.Logits[0];
    }

    [Benchmark]
    public double Explain() => _explainer.Explain(_tokens).Score;
}
