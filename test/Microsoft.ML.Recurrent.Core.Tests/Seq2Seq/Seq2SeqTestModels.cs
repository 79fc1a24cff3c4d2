using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Seq2Seq;
using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.Tests.Seq2Seq;

/// <summary>Tiny sequence-to-sequence models and batches for the tests.</summary>
internal static class Seq2SeqTestModels
{
    public static readonly Vocabulary Source = Vocabulary.FromTokens(["a", "b", "c", "d", "e"]);
    public static readonly Vocabulary Target = Vocabulary.FromTokens(["x", "y", "z"]);

    /// <summary>The shapes the tests cover: every cell, both attentions, with and without input feeding, stacked, one-to-many.</summary>
    public static IEnumerable<object[]> Shapes =>
    [
        ["Lstm", true, 1, "Lstm", 1, "General", true, 0],
        ["Gru", true, 1, "Gru", 2, "Additive", true, 0],
        ["RnnTanh", false, 2, "Lstm", 1, "Additive", false, 0],
        ["Lstm", false, 1, "RnnTanh", 2, "General", true, 3],
        ["None", false, 1, "Gru", 2, "None", false, 4],
    ];

    public static Seq2SeqModel Create(string encoder, bool bidirectional, int encoderLayers, string decoder, int decoderLayers,
        string attention, bool feeding, int features, int seed = 7)
    {
        bool hasSource = encoder != "None";
        var options = new Seq2SeqOptions
        {
            SourceEmbeddingSize = 3, TargetEmbeddingSize = 4,
            EncoderCell = hasSource ? Enum.Parse<RecurrentCellKind>(encoder) : RecurrentCellKind.Lstm,
            EncoderHiddenSize = 3, EncoderLayers = encoderLayers, Bidirectional = bidirectional,
            DecoderCell = Enum.Parse<RecurrentCellKind>(decoder), DecoderHiddenSize = 5, DecoderLayers = decoderLayers,
            Attention = Enum.Parse<AttentionKind>(attention), AttentionSize = 4, InputFeeding = feeding, FeatureSize = features,
        };
        return new Seq2SeqModel(options, hasSource ? Source : null, Target, seed);
    }

    /// <summary>Pairs of mixed lengths (sources 1..5, targets 0..4) for <paramref name="model"/>.</summary>
    public static Seq2SeqExample[] Batch(Seq2SeqModel model, int count, int seed = 3)
    {
        var rng = new Random(seed);
        var examples = new Seq2SeqExample[count];
        for (int i = 0; i < count; i++)
        {
            int[] source = model.SourceVocabulary is null ? [] : [.. Enumerable.Range(0, 1 + rng.Next(5)).Select(_ => 4 + rng.Next(5))];
            int[] target = [.. Enumerable.Range(0, rng.Next(5)).Select(_ => 4 + rng.Next(3))];
            float[]? features = model.Options.FeatureSize == 0 ? null : [.. Enumerable.Range(0, model.Options.FeatureSize).Select(_ => (float)(rng.NextDouble() * 2 - 1))];
            examples[i] = new Seq2SeqExample(source, target, features);
        }
        return examples;
    }
}
