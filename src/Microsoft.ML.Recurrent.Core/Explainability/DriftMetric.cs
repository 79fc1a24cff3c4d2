using System.Globalization;

namespace Microsoft.ML.Recurrent.Explainability;

/// <summary>Whether a drift metric is within its threshold.</summary>
public enum DriftStatus
{
    /// <summary>Within the threshold.</summary>
    Ok,

    /// <summary>Beyond the threshold: the new data differs from the training data.</summary>
    Warning,

    /// <summary>The model file records no training statistics for this metric (a file from before they were recorded).</summary>
    NotRecorded,
}

/// <summary>One measurement of new data against the training data's profile.</summary>
/// <param name="Name">What is measured, e.g. "unknown-token share".</param>
/// <param name="Value">The new data's value.</param>
/// <param name="TrainingValue">What the training data gives (or, for the unknown share, leads to expect); null when not recorded.</param>
/// <param name="Threshold">The value above which it warns; null when not recorded.</param>
/// <param name="Status">Within the threshold, beyond it, or not recorded.</param>
/// <param name="Detail">A sentence with the numbers behind the value.</param>
public sealed record DriftMetric(string Name, double Value, double? TrainingValue, double? Threshold, DriftStatus Status, string Detail)
{
    /// <summary>One line: status, name, value, training value and threshold, detail.</summary>
    public override string ToString()
    {
        string status = Status switch { DriftStatus.Warning => "WARNING", DriftStatus.Ok => "ok", _ => "not recorded" };
        string training = TrainingValue is double t ? string.Create(CultureInfo.InvariantCulture, $", training {t:0.####}, warns above {Threshold:0.####}") : ", training: not recorded";
        return string.Create(CultureInfo.InvariantCulture, $"[{status}] {Name}: {Value:0.####}{training} ({Detail})");
    }
}
