namespace Microsoft.ML.Recurrent.Training;

/// <summary>How well a model does on some data: its loss, and the metrics that fit its task.</summary>
/// <param name="Loss">Mean loss: nats per target (cross-entropy) or mean squared error (regression).</param>
/// <param name="Count">Targets counted: sequences, valid steps, or regression values.</param>
/// <param name="Accuracy">Share of correct arg-max predictions (classification, tagging, language model), else NaN.</param>
/// <param name="Rmse">Root mean squared error (regression), else NaN.</param>
public sealed record EvaluationResult(double Loss, long Count, double Accuracy, double Rmse)
{
    /// <summary>exp(Loss) for cross-entropy tasks (the language model's perplexity).</summary>
    public double Perplexity => Math.Exp(Loss);
}
