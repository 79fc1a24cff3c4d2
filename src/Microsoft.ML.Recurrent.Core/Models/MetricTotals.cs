namespace Microsoft.ML.Recurrent.Models;

/// <summary>Running totals over the batches of a loss computation, for metrics: correct predictions, counted targets, squared error.</summary>
internal struct MetricTotals
{
    public long Correct;
    public long Count;
    public double SquaredError;
}
