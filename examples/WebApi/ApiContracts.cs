namespace WebApi;

/// <summary>The body of POST /predict: <c>{ "text": "..." }</c>.</summary>
public sealed class PredictRequest
{
    /// <summary>The text to classify: not empty, at most <see cref="ApiLimits.MaxTextLength"/> characters.</summary>
    public string? Text { get; set; }

    /// <summary>
    /// Also return each token's attribution (integrated gradients, dozens of passes per row, so off by default). The
    /// served model must have been trained with <c>OutputAttributions = true</c>, as the sample model is.
    /// </summary>
    public bool? Explain { get; set; }
}

/// <summary>The answer of POST /predict: the classifier's PredictedLabel, Probability and Score, and, when asked, the attributions.</summary>
/// <param name="Label">The predicted label (true: positive).</param>
/// <param name="Probability">The probability of the positive label.</param>
/// <param name="Score">The raw score (logit) of the positive label.</param>
/// <param name="Tokens">With <c>"explain": true</c>: the tokens the model read; otherwise null.</param>
/// <param name="Attributions">With <c>"explain": true</c>: each token's contribution to the score (positive: towards the positive label); otherwise null.</param>
public sealed record PredictResponse(bool Label, float Probability, float Score, string[]? Tokens = null, float[]? Attributions = null);

/// <summary>
/// The body of POST /generate. Every field is optional: the prompt defaults to "" (start from the beginning of a
/// text), the others to <see cref="Microsoft.ML.Recurrent.Generation.GenerationOptions"/>' defaults, except
/// MaxLength (100).
/// </summary>
public sealed class GenerateRequest
{
    /// <summary>The text to continue: at most <see cref="ApiLimits.MaxTextLength"/> characters. Default "".</summary>
    public string? Prompt { get; set; }

    /// <summary>Most tokens to generate: 0 to <see cref="ApiLimits.MaxGenerateLength"/>. Default 100.</summary>
    public int? MaxLength { get; set; }

    /// <summary>Sampling temperature: 0 (greedy) or above. Default 1.</summary>
    public float? Temperature { get; set; }

    /// <summary>Sample among the k most probable tokens; 0 for no limit. Default 0.</summary>
    public int? TopK { get; set; }

    /// <summary>Nucleus sampling mass in (0, 1]. Default 1 (off).</summary>
    public float? TopP { get; set; }

    /// <summary>Seed of the sampler: the same seed and prompt give the same text. Default none (random).</summary>
    public int? Seed { get; set; }
}

/// <summary>The answer of POST /generate: the continuation of the prompt (without the prompt).</summary>
/// <param name="Text">The generated text.</param>
public sealed record GenerateResponse(string Text);
