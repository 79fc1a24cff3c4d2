using System.Globalization;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// Where a row's time goes in <c>throughput --mlnet</c>: the model file's tokenizer and vocabulary alone, the model's
/// forward pass alone at batch 1 (on 1 and on the run's threads) and in blocks of 64 rows, against a whole row through
/// Transform + a cursor. Microseconds per row, medians of timed repeats over the first rows.
/// </summary>
internal static class MlNetScoringBreakdown
{
    private const int Rows = 2_000;

    public static void Run(ITransformer loaded, MlNetScoring.SentimentText[] rows, MLContext ml, int threads, bool quick, TextWriter output)
    {
        var file = RecurrentModels.FromTransformer(loaded);
        var sequencer = file.Sequencer ?? throw new InvalidOperationException("The recurrent model has no vocabulary.");
        var model = file.Model;
        var ws = model.CreateWorkspace();
        string[] texts = rows.Take(Rows).Select(r => r.Text).ToArray();
        var examples = texts.Select(t => SequenceExample.ForPrediction(sequencer.Encode(t) is { Length: > 0 } ids ? ids : [0])).ToArray();
        double steps = examples.Average(e => e.Tokens!.Length);
        var o = model.Options;
        double flops = 0;
        for (int layer = 0, width = o.EmbeddingSize; layer < o.NumLayers; layer++, width = (o.IsBidirectional ? 2 : 1) * o.HiddenSize)
        {
            flops += (o.IsBidirectional ? 2 : 1) * 2.0 * steps * (width + o.HiddenSize) * 4 * o.HiddenSize;
        }
        double PerRow(Action pass) => ThroughputRunner.MedianMs(pass, quick) * 1e3 / texts.Length;
        void Forward(int block)
        {
            for (int i = 0; i < examples.Length; i += block)
            {
                model.Forward(ws, examples.AsSpan(i, Math.Min(block, examples.Length - i)), training: false, null, default, default);
            }
        }
        var data = ml.Data.LoadFromEnumerable(rows.Take(Rows));
        double transform = PerRow(() => MlNetScoring.TransformPass(loaded, data));
        double encode = PerRow(() => Array.ForEach(texts, t => sequencer.Encode(t)));
        double forward = PerRow(() => Forward(1));
        ComputeSettings.MaxThreads = 1;
        double forwardOne = PerRow(() => Forward(1));
        double blocked = PerRow(() => Forward(64));
        ComputeSettings.MaxThreads = threads;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"mlnet\": \"breakdown\", \"tokens_per_row\": {steps:F1}, \"recurrent_mflop_per_row\": {flops / 1e6:F2}, \"transform_us\": {transform:F1}, \"encode_us\": {encode:F1}, \"forward_b1_us\": {forward:F1}, \"forward_b1_1thread_us\": {forwardOne:F1}, \"forward_b64_1thread_us\": {blocked:F1}}}"));
        output.Flush();
    }
}
