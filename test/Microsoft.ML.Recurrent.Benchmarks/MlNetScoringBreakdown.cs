using System.Globalization;
using Microsoft.ML.Recurrent.Engine.Scheduling;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// Where a row's time goes in <c>throughput --mlnet</c>, microseconds per row over the first rows, timed back to back: a
/// whole row through a PredictionEngine and through Transform + a cursor; the model file's tokenizer and vocabulary
/// alone; the model's forward pass alone at batch 1 as the saved model's mapping runs it (weights packed once, on the
/// calling thread) and, for comparison, in blocks of 64 rows (what scoring in blocks would cost). The overhead outside
/// the recurrent arithmetic is the PredictionEngine's row minus the forward pass.
/// </summary>
internal static class MlNetScoringBreakdown
{
    private const int Rows = 2_000;

    public static void Run(ITransformer loaded, MlNetScoring.SentimentText[] rows, MLContext ml, bool quick, TextWriter output)
    {
        // Every member of a seed ensemble (EnsembleSize) runs its forward pass on each row.
        var members = RecurrentModels.MembersFromTransformer(loaded);
        var sequencer = members[0].Sequencer ?? throw new InvalidOperationException("The recurrent model has no vocabulary.");
        var sample = rows.Take(Rows).ToArray();
        string[] texts = sample.Select(r => r.Text).ToArray();
        var runs = members.Select(file =>
        {
            var ws = file.Model.CreateWorkspace();
            ws.Recurrent.FreezeWeights();
            ws.Recurrent.Scheduling = SchedulingOptions.CallingThread;
            var memberSequencer = file.Sequencer ?? throw new InvalidOperationException("The recurrent model has no vocabulary.");
            var encoded = texts.Select(t => SequenceExample.ForPrediction(memberSequencer.Encode(t) is { Length: > 0 } ids ? ids : [0])).ToArray();
            return (file.Model, Workspace: ws, Examples: encoded);
        }).ToArray();
        double steps = runs[0].Examples.Average(e => e.Tokens!.Length);
        var o = runs[0].Model.Options;
        int dirs = o.IsBidirectional ? 2 : 1;
        double flops = 0;
        for (int layer = 0, width = o.EmbeddingSize; layer < o.NumLayers; layer++, width = dirs * o.HiddenSize)
        {
            flops += members.Count * dirs * 2.0 * steps * (width + o.HiddenSize) * 4 * o.HiddenSize;
        }
        double PerRow(Action pass) => ThroughputRunner.MedianMs(pass, quick) * 1e3 / texts.Length;
        void Forward(int block)
        {
            foreach (var (model, ws, examples) in runs)
            {
                for (int i = 0; i < examples.Length; i += block)
                {
                    model.Forward(ws, examples.AsSpan(i, Math.Min(block, examples.Length - i)), training: false, null, default, default);
                }
            }
        }
        using var engine = ml.Model.CreatePredictionEngine<MlNetScoring.SentimentText, MlNetScoring.SentimentScore>(loaded);
        var prediction = new MlNetScoring.SentimentScore();
        var data = ml.Data.LoadFromEnumerable(sample);
        double transform = PerRow(() => MlNetScoring.TransformPass(loaded, data));
        double engineRow = PerRow(() => Array.ForEach(sample, r => engine.Predict(r, ref prediction)));
        double encode = PerRow(() => Array.ForEach(texts, t => sequencer.Encode(t)));
        double forward = PerRow(() => Forward(1));
        double blocked = PerRow(() => Forward(64));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"mlnet\": \"breakdown\", \"members\": {members.Count}, \"tokens_per_row\": {steps:F1}, \"recurrent_mflop_per_row\": {flops / 1e6:F2}, \"transform_us\": {transform:F1}, \"engine_us\": {engineRow:F1}, \"encode_us\": {encode:F1}, \"forward_b1_us\": {forward:F1}, \"forward_b64_us\": {blocked:F1}, \"engine_overhead_us\": {engineRow - forward:F1}, \"forward_b1_gflops\": {flops / forward / 1e3:F2}}}"));
        output.WriteLine();
        output.WriteLine($"| per row, {texts.Length:N0} rows ({steps:F1} tokens, {flops / 1e6:F2} MFLOP recurrent, {members.Count} member(s)) | µs |");
        output.WriteLine("|---|---:|");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| PredictionEngine, whole row | {engineRow:F1} |"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| Transform + cursor, whole row (ML.NET's parallel cursors) | {transform:F1} |"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| forward pass alone (every member's), batch 1 (as the mapping runs it) | {forward:F1} |"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| tokenizer + vocabulary alone | {encode:F1} |"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| PredictionEngine row minus forward pass | {engineRow - forward:F1} |"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| forward pass in blocks of 64 rows, per row | {blocked:F1} |"));
        output.Flush();
    }
}
