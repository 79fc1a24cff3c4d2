using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Plotting;

/// <summary>
/// The series of a learning-curve picture, taken from a <see cref="TrainingResult"/>: what <see cref="TrainingPlots"/>
/// draws, for users who would rather draw it with another library.
/// </summary>
public sealed class TrainingCurves
{
    private TrainingCurves()
    {
    }

    /// <summary>The epochs, from 1 (the x values of the per-epoch series).</summary>
    public required IReadOnlyList<double> Epochs { get; init; }

    /// <summary>Mean training loss of each epoch.</summary>
    public required IReadOnlyList<double> TrainLoss { get; init; }

    /// <summary>The epochs that have validation figures (the x values of <see cref="ValidationLoss"/>).</summary>
    public required IReadOnlyList<double> ValidatedEpochs { get; init; }

    /// <summary>Validation loss of each epoch in <see cref="ValidatedEpochs"/>.</summary>
    public required IReadOnlyList<double> ValidationLoss { get; init; }

    /// <summary>
    /// The task metric's name: "validation accuracy" (classification, tagging, language models) or "validation RMSE"
    /// (regression); null when no epoch was validated.
    /// </summary>
    public string? MetricName { get; init; }

    /// <summary>The metric of each epoch in <see cref="ValidatedEpochs"/> (empty when <see cref="MetricName"/> is null).</summary>
    public required IReadOnlyList<double> Metric { get; init; }

    /// <summary>The learning rate each epoch used.</summary>
    public required IReadOnlyList<double> EpochLearningRate { get; init; }

    /// <summary>The optimizer steps recorded (the x values of the per-step series); empty when none were.</summary>
    public required IReadOnlyList<double> Steps { get; init; }

    /// <summary>Each step's mini-batch training loss.</summary>
    public required IReadOnlyList<double> StepLoss { get; init; }

    /// <summary>
    /// <see cref="StepLoss"/> smoothed by an exponential moving average with weight <see cref="Smoothing"/> on the past,
    /// bias-corrected so the first values are not pulled towards 0 (as TensorBoard smooths).
    /// </summary>
    public required IReadOnlyList<double> SmoothedStepLoss { get; init; }

    /// <summary>The learning rate each step used.</summary>
    public required IReadOnlyList<double> StepLearningRate { get; init; }

    /// <summary>The smoothing weight of <see cref="SmoothedStepLoss"/>, in [0, 1).</summary>
    public double Smoothing { get; init; }

    /// <summary>The epoch with the lowest validation loss (the first of equals), from 1; 0 when no epoch was validated.</summary>
    public int BestEpoch { get; init; }

    /// <summary>
    /// The epoch whose weights the model holds at the end (<see cref="TrainingResult.BestEpoch"/>): the best epoch with
    /// early stopping, otherwise the last.
    /// </summary>
    public int KeptEpoch { get; init; }

    /// <summary>Whether early stopping ended the run.</summary>
    public bool StoppedEarly { get; init; }

    /// <summary>Takes the series out of a training result.</summary>
    /// <param name="result">A training result with at least one epoch (a model loaded from a file keeps no history).</param>
    /// <param name="smoothing">Weight of the past in the per-step moving average, in [0, 1); 0 leaves the steps as they are. Default 0.9.</param>
    /// <exception cref="ArgumentException">The result records no epoch.</exception>
    public static TrainingCurves From(TrainingResult result, double smoothing = 0.9)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!(smoothing >= 0 && smoothing < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "The smoothing weight must be in [0, 1).");
        }
        var history = result.History;
        if (history.Count == 0)
        {
            throw new ArgumentException("The training result records no epoch (a model loaded from a file keeps no training history); nothing to plot.", nameof(result));
        }
        var validated = history.Where(e => e.Validation is not null).ToArray();
        string? name = validated.Any(e => double.IsFinite(e.Validation!.Accuracy)) ? "validation accuracy"
            : validated.Any(e => double.IsFinite(e.Validation!.Rmse)) ? "validation RMSE"
            : null;
        double Metric(EvaluationResult v) => name == "validation RMSE" ? v.Rmse : v.Accuracy;
        var steps = result.StepHistory;
        double[] stepLoss = [.. steps.Select(s => (double)s.Loss)];
        return new TrainingCurves
        {
            Epochs = [.. history.Select(e => (double)e.Epoch)],
            TrainLoss = [.. history.Select(e => e.TrainLoss)],
            ValidatedEpochs = [.. validated.Select(e => (double)e.Epoch)],
            ValidationLoss = [.. validated.Select(e => e.Validation!.Loss)],
            MetricName = name,
            Metric = name is null ? [] : [.. validated.Select(e => Metric(e.Validation!))],
            EpochLearningRate = [.. history.Select(e => e.LearningRate)],
            Steps = [.. steps.Select(s => (double)s.Step)],
            StepLoss = stepLoss,
            SmoothedStepLoss = Smooth(stepLoss, smoothing),
            StepLearningRate = [.. steps.Select(s => (double)s.LearningRate)],
            Smoothing = smoothing,
            BestEpoch = validated.Length == 0 ? 0 : validated.MinBy(e => e.Validation!.Loss)!.Epoch,
            KeptEpoch = result.BestEpoch,
            StoppedEarly = result.StoppedEarly,
        };
    }

    // Bias-corrected exponential moving average; non-finite values (a diverged step) are skipped, not spread.
    internal static double[] Smooth(double[] values, double smoothing)
    {
        var smoothed = new double[values.Length];
        double average = 0;
        double weight = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if (double.IsFinite(values[i]))
            {
                average = smoothing * average + (1 - smoothing) * values[i];
                weight = smoothing * weight + (1 - smoothing);
            }
            smoothed[i] = weight == 0 ? double.NaN : average / weight;
        }
        return smoothed;
    }
}
