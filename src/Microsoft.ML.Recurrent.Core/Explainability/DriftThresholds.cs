namespace Microsoft.ML.Recurrent.Explainability;

/// <summary>When <see cref="DriftCheck"/> warns. Each default is explained in docs/explain.md.</summary>
public sealed record DriftThresholds
{
    /// <summary>
    /// Warn when the unknown-token share exceeds the training data's expected share
    /// (<see cref="Serialization.DataProfile.ExpectedUnknownShare"/>) by more than this. Default 0.05 (five percentage points).
    /// </summary>
    public double UnknownShareIncrease { get; init; } = 0.05;

    /// <summary>Warn when the share of truncated rows exceeds the training data's by more than this. Default 0.05.</summary>
    public double TruncatedShareIncrease { get; init; } = 0.05;

    /// <summary>
    /// Warn when the population stability index of the length histograms exceeds this. Default 0.25, the usual mark of a
    /// significant shift (below 0.1: none; 0.1 to 0.25: moderate).
    /// </summary>
    public double LengthStabilityIndex { get; init; } = 0.25;

    /// <summary>Series: warn when more than this share of the values lies outside the training range. Default 0.01.</summary>
    public double OutOfRangeShare { get; init; } = 0.01;

    /// <summary>Fewer rows than this give a noisy length index: it is reported but never warns. Default 50.</summary>
    public int MinimumRowsForLength { get; init; } = 50;
}
