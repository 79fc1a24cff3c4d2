namespace Microsoft.ML.Recurrent.AutoML;

/// <summary>The validation figure a <see cref="RecurrentExperiment"/> optimises.</summary>
public enum ExperimentMetric
{
    /// <summary>Validation loss (cross-entropy in nats per target, or mean squared error); lower is better. Any task.</summary>
    Loss,

    /// <summary>Share of correct arg-max predictions; higher is better. Classification, tagging and language models.</summary>
    Accuracy,

    /// <summary>Root mean squared error; lower is better. Regression only.</summary>
    Rmse,
}
