namespace Microsoft.ML.Recurrent.Generation;

/// <summary>How <see cref="TextGenerator"/> continues a prompt. The defaults sample at temperature 1 with no filtering.</summary>
public sealed record GenerationOptions
{
    /// <summary>Most tokens to generate (the prompt not counted). Default 100; allowed 0 or more.</summary>
    public int MaxLength { get; init; } = 100;

    /// <summary>Sampling temperature: 0 for greedy (arg-max) decoding, else a finite value above 0. Default 1.</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Sample only among the k most probable tokens; 0 for no limit. Default 0.</summary>
    public int TopK { get; init; }

    /// <summary>Nucleus sampling mass in (0, 1]: sample among the smallest set of most probable tokens whose probability sums to at least this. Default 1 (off).</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Seed of the sampler: the same seed, prompt and model give the same text. Default null (a random seed).</summary>
    public int? Seed { get; init; }

    /// <summary>
    /// Generation stops as soon as the generated text (never the prompt) contains one of these strings; the
    /// result ends just before the earliest occurrence, which is not included. While a suffix of the text could
    /// still become a stop sequence, <see cref="TextGenerator.GenerateTokens"/> holds it back. Default none;
    /// no element may be null or empty.
    /// </summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>Whether the result starts with the prompt, verbatim (the streaming form yields it first). Default false.</summary>
    public bool IncludePrompt { get; init; }

    /// <summary>Throws an exception naming the first option that is out of its allowed range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A number is out of range.</exception>
    /// <exception cref="ArgumentException">A stop sequence is null or empty.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxLength, nameof(MaxLength));
        TokenSampler.Validate(Temperature, TopK, TopP, nameof(Temperature), nameof(TopK), nameof(TopP));
        if (StopSequences is null)
        {
            throw new ArgumentException("StopSequences is null; use an empty list for none.", nameof(StopSequences));
        }
        for (int i = 0; i < StopSequences.Count; i++)
        {
            if (string.IsNullOrEmpty(StopSequences[i]))
            {
                throw new ArgumentException($"StopSequences[{i}] is {(StopSequences[i] is null ? "null" : "empty")}; every stop sequence needs at least one character.", nameof(StopSequences));
            }
        }
    }
}
