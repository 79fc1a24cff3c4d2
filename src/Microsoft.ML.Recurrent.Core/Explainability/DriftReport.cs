namespace Microsoft.ML.Recurrent.Explainability;

/// <summary>New data against a model's training data (<see cref="DriftCheck"/>): one metric per question.</summary>
public sealed class DriftReport
{
    internal DriftReport(int rows, IReadOnlyList<DriftMetric> metrics)
    {
        Rows = rows;
        Metrics = metrics;
    }

    /// <summary>Rows checked.</summary>
    public int Rows { get; }

    /// <summary>The metrics: unknown-token share (token models), truncated-row share, length shift, values out of range (series models).</summary>
    public IReadOnlyList<DriftMetric> Metrics { get; }

    /// <summary>Whether any metric is beyond its threshold.</summary>
    public bool HasWarnings => Metrics.Any(m => m.Status == DriftStatus.Warning);

    /// <summary>Whether the model records the training statistics (false for files saved before they were recorded).</summary>
    public bool IsRecorded => Metrics.All(m => m.Status != DriftStatus.NotRecorded);

    /// <summary>The metrics, one per line.</summary>
    public override string ToString() => string.Join(Environment.NewLine, Metrics.Select(m => m.ToString()));
}
