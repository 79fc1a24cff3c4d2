using System.Numerics.Tensors;

namespace Microsoft.ML.Recurrent.SavedModel;

/// <summary>
/// What each mapping contract computes, row by row, with the model decoded once per loaded model
/// (<see cref="ModelCache"/>). The generated factories (MappingFactories.g.cs) bind each contract name to one of these.
/// Thread-safe: they run on parallel cursors and in several prediction engines at once.
/// </summary>
internal static class Mappings
{
    public static void ModelKey(EmptyInput input, ModelKeyOutput output) => output.ModelKey = 1;

    public static void BinaryText(TextInput input, BinaryOutput output)
    {
        Span<float> logits = stackalloc float[2];
        ModelCache.Get(input.Model, MappingKind.BinaryText).PredictLogits(input.Text, logits);
        SetBinary(logits, output);
    }

    public static void BinaryTokens(TokensInput input, BinaryOutput output)
    {
        Span<float> logits = stackalloc float[2];
        ModelCache.Get(input.Model, MappingKind.BinaryTokens).PredictLogits(input.Tokens, logits);
        SetBinary(logits, output);
    }

    public static void MulticlassText(TextInput input, MulticlassOutput output)
    {
        var model = ModelCache.Get(input.Model, MappingKind.MulticlassText);
        // A fixed-size buffer: RequireFit has checked the class count against it (never stackalloc a size from a file).
        Span<float> logits = stackalloc float[RecurrentTextMulticlassTrainer.MaxClasses];
        logits = logits[..model.LabelNames.Count];
        model.PredictLogits(input.Text, logits);
        SetMulticlass(model.LabelNames, logits, output);
    }

    public static void MulticlassTokens(TokensInput input, MulticlassOutput output)
    {
        var model = ModelCache.Get(input.Model, MappingKind.MulticlassTokens);
        Span<float> logits = stackalloc float[RecurrentTextMulticlassTrainer.MaxClasses];
        logits = logits[..model.LabelNames.Count];
        model.PredictLogits(input.Tokens, logits);
        SetMulticlass(model.LabelNames, logits, output);
    }

    public static void TextAttribution(TextInput input, AttributionOutput output) =>
        (output.AttributionTokens, output.Attributions) = ModelCache.GetClassifier(input.Model, tokenKeys: false).Explain(input.Text);

    public static void TokenAttribution(TokensInput input, AttributionOutput output) =>
        (output.AttributionTokens, output.Attributions) = ModelCache.GetClassifier(input.Model, tokenKeys: true).Explain(input.Tokens);

    public static void SeriesRegression(SeriesInput input, RegressionOutput output) =>
        output.Score = ModelCache.Get(input.Model, MappingKind.SeriesRegression).PredictSeries(input.Series);

    public static void NextToken(TextInput input, NextTokenOutput output)
    {
        var (token, probability, distribution) = ModelCache.Get(input.Model, MappingKind.NextToken).PredictNextToken(input.Text);
        output.PredictedToken = token;
        output.Probability = probability;
        output.NextTokenProbabilities = distribution;
    }

    public static void SequenceTagging(TokensInput input, TaggerOutput output) =>
        output.PredictedTags = ModelCache.Get(input.Model, MappingKind.SequenceTagging).PredictTags(input.Tokens);

    public static void SequenceToSequence(TextInput input, Seq2SeqOutput output) =>
        (output.PredictedText, output.Attention) = Seq2SeqModelText.Get(input.Model).Predict(input.Text);

    /// <summary>The final state after reading the text, zero-padded to <paramref name="size"/> values.</summary>
    public static float[] Features(TextInput input, int size)
    {
        var features = new float[size];
        ModelCache.Get(input.Model, MappingKind.Featurizer, size).Featurize(input.Text, features);
        return features;
    }

    /// <summary>
    /// Probabilities stay in [1e-6, 1 - 1e-6], so a log-loss is always finite: one confident mistake costs at most
    /// -log2(1e-6) = 19.9 bits (13.8 nats) instead of infinity. Only a sigmoid of a score beyond ±13.8 (or a softmax as
    /// extreme) is moved, so ordinary probabilities are bit-identical to earlier releases; 1 - 1e-6 is still 17 float
    /// steps below 1. The multiclass scores then sum to 1 within the number of classes times 1e-6.
    /// </summary>
    internal static float BoundProbability(float p) => Math.Clamp(p, ProbabilityBound, 1f - ProbabilityBound);

    internal const float ProbabilityBound = 1e-6f;

    private static void SetBinary(ReadOnlySpan<float> logits, BinaryOutput output)
    {
        float score = logits[1] - logits[0];
        if (!float.IsFinite(score))
        {
            throw new InvalidDataException("The recurrent model gives logits too far apart for a finite score: its weights are corrupt or out of range.");
        }
        output.Score = score;
        output.Probability = BoundProbability(1f / (1f + MathF.Exp(-score)));
        output.PredictedLabel = output.Probability >= 0.5f;
    }

    private static void SetMulticlass(IReadOnlyList<string> names, Span<float> logits, MulticlassOutput output)
    {
        LoadedModel.SoftMax(logits);
        for (int i = 0; i < logits.Length; i++)
        {
            output.SetScore(i, BoundProbability(logits[i]));
        }
        output.PredictedName = names[TensorPrimitives.IndexOfMax(logits)];
    }
}
