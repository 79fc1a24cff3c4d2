using System.Text.Json;
using Microsoft.ML.Recurrent.Seq2Seq;
using Microsoft.ML.Recurrent.Text;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// The sequence-to-sequence training step of the Translation example's model, with the same numbers as the "seq2seq"
/// benchmark of test/Shared/torch_rnn_bench.py: embeddings, a bidirectional LSTM encoder, the bridge, an LSTM decoder
/// with input feeding and general attention, the softmax output; one step = zero the gradients, the teacher-forced
/// forward and backward with label-smoothed cross-entropy, clip the gradient norm, Adam. Every source and target of the
/// batch has the same length (no padding), so both sides do exactly the same arithmetic.
/// </summary>
internal static class Seq2SeqThroughput
{
    /// <summary>The configuration when configs.json has no "seq2seq" entry (the shared one has none).</summary>
    public const string DefaultConfig =
        """{"source_vocab": 8000, "target_vocab": 8000, "embed": 128, "hidden": 256, "batch": 64, "source_len": 10, "target_len": 10, "lr": 0.002, "label_smoothing": 0.1, "clip": 5.0}""";

    /// <summary>A timed training step, or the teacher-forced loss without gradients when <paramref name="train"/> is false.</summary>
    public static (Action Once, int Tokens, double Flops) Create(JsonElement config, bool train)
    {
        int sourceVocab = config.GetProperty("source_vocab").GetInt32(), targetVocab = config.GetProperty("target_vocab").GetInt32();
        int embed = config.GetProperty("embed").GetInt32(), hidden = config.GetProperty("hidden").GetInt32();
        int batch = config.GetProperty("batch").GetInt32(), s = config.GetProperty("source_len").GetInt32(), t = config.GetProperty("target_len").GetInt32();
        var source = Vocabulary.FromTokens(Enumerable.Range(0, sourceVocab - 1).Select(i => $"s{i}"), SpecialTokens.Unknown);
        var target = Vocabulary.FromTokens(Enumerable.Range(0, targetVocab - 3).Select(i => $"t{i}"),
            SpecialTokens.Unknown | SpecialTokens.BeginOfSequence | SpecialTokens.EndOfSequence);
        var model = new Seq2SeqModel(new Seq2SeqOptions
        {
            SourceEmbeddingSize = embed, TargetEmbeddingSize = embed, EncoderHiddenSize = hidden / 2, Bidirectional = true,
            DecoderHiddenSize = hidden, Attention = AttentionKind.General, InputFeeding = true,
        }, source, target, seed: 1);
        var rng = new Random(3);
        var examples = Enumerable.Range(0, batch)
            .Select(_ => new Seq2SeqExample(
                [.. Enumerable.Range(0, s).Select(_ => 1 + rng.Next(sourceVocab - 1))], [.. Enumerable.Range(0, t).Select(_ => 3 + rng.Next(targetVocab - 3))]))
            .ToArray();
        var optimizer = new AdamOptimizer(model.Parameters.Count, new AdamOptions { LearningRate = config.GetProperty("lr").GetDouble() });
        float smoothing = config.GetProperty("label_smoothing").GetSingle();
        double clip = config.GetProperty("clip").GetDouble();
        void Once()
        {
            if (!train)
            {
                model.ComputeLoss(examples, smoothing);
                return;
            }
            model.Parameters.ZeroGradients();
            model.ComputeGradients(examples, smoothing);
            GradientClipping.ClipByGlobalNorm(model.Parameters.Gradients, clip);
            optimizer.Step(model.Parameters.Values, model.Parameters.Gradients);
        }
        // Matrix work per forward: the encoder (both directions), keys, bridge, and per target step (T + 1 with EOS) the
        // decoder cell, attention scores and context, the combine layer and the output layer.
        int de = hidden, he = hidden / 2, steps = t + 1;
        double encoder = 2.0 * 2 * s * (embed + he) * 4 * he + 2.0 * s * de * hidden;
        double bridge = 2.0 * 2 * de * hidden;
        double decoder = steps * (2.0 * (embed + 2 * hidden) * 4 * hidden + 2 * 2.0 * s * hidden + 2.0 * (de + hidden) * hidden + 2.0 * hidden * targetVocab);
        double flops = batch * (encoder + bridge + decoder);
        return (Once, batch * steps, train ? 3 * flops : flops);
    }
}
