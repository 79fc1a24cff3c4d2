namespace Microsoft.ML.Recurrent.Explainability;

/// <summary>
/// How much each token the model read contributed to one class's score (<see cref="IntegratedGradients"/>). There is one
/// value per token read, in input order: padding and tokens cut off by truncation have none.
/// </summary>
public sealed class TokenAttribution
{
    internal TokenAttribution(int targetClass, float[] values, double score, double baselineScore, string[]? tokens)
    {
        TargetClass = targetClass;
        Values = values;
        Score = score;
        BaselineScore = baselineScore;
        Tokens = tokens;
    }

    /// <summary>The class explained (by default the predicted one; -1 for an empty text, which has nothing to explain).</summary>
    public int TargetClass { get; }

    /// <summary>One contribution per token read, in input order: positive values push towards <see cref="TargetClass"/>.</summary>
    public IReadOnlyList<float> Values { get; }

    /// <summary>The tokens read, as the tokenizer split them (text overloads), else null.</summary>
    public IReadOnlyList<string>? Tokens { get; }

    /// <summary>The target class's log-odds for the input: z_c - log(sum over j != c of exp z_j) (binary: ±Score).</summary>
    public double Score { get; }

    /// <summary>The same log-odds for the baseline: every token's embedding replaced by zeros, same length.</summary>
    public double BaselineScore { get; }

    /// <summary>
    /// <see cref="Score"/> - <see cref="BaselineScore"/> - sum of <see cref="Values"/>: the integration error
    /// (completeness says it is 0 with exact integration; it shrinks as <see cref="IntegratedGradients.Steps"/> grows).
    /// </summary>
    public double CompletenessError => Score - BaselineScore - Values.Sum(v => (double)v);
}
