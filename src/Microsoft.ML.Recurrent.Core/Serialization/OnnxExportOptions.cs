namespace Microsoft.ML.Recurrent.Serialization;

/// <summary>Options of <see cref="OnnxExporter"/>.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>
    /// A regressor trained on standardised values (as the ML.NET series regressor is): the graph computes
    /// <c>(features - mean) / std</c> before the model and <c>prediction * std + mean</c> after it, so a consumer feeds and
    /// reads values in their original units. Null (the default) exports the model as it is. Set it together with
    /// <see cref="StandardizationStd"/>; only for regression models.
    /// </summary>
    public double? StandardizationMean { get; init; }

    /// <summary>The standard deviation of <see cref="StandardizationMean"/>: positive and finite, or null.</summary>
    public double? StandardizationStd { get; init; }

    /// <summary>Throws when the options do not fit together or do not fit the model's task.</summary>
    internal void Validate(Models.SequenceModelOptions model)
    {
        if (StandardizationMean.HasValue != StandardizationStd.HasValue)
        {
            throw new ArgumentException("StandardizationMean and StandardizationStd must be set together (both or neither).");
        }
        if (StandardizationMean is double mean)
        {
            if (model.Task != Models.SequenceTask.Regression || model.UsesTokens)
            {
                throw new ArgumentException($"Standardisation applies to regressors over numeric features; this model is a {model.Task} model{(model.UsesTokens ? " over tokens" : "")}.");
            }
            if (!double.IsFinite(mean) || Math.Abs(mean) > float.MaxValue)
            {
                throw new ArgumentException($"StandardizationMean is {mean}; it must be finite and within the float range.");
            }
            double std = StandardizationStd!.Value;
            if (!(std > 0) || std > float.MaxValue || (float)std == 0f)
            {
                throw new ArgumentException($"StandardizationStd is {std}; it must be positive and within the float range.");
            }
        }
    }
}
