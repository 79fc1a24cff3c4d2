using Microsoft.ML.Recurrent.AutoML;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Settings of a recurrent experiment, for every task (like ML.NET AutoML's experiment settings). Validated when the
/// experiment runs; every default is documented on its property.
/// </summary>
public class RecurrentExperimentSettings
{
    /// <summary>Wall-clock budget for the search (the final refit on all data comes on top). Default 5 minutes; must be positive.</summary>
    public TimeSpan MaxExperimentTime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The most configurations to try. Default 27; allowed 1 to 10,000.</summary>
    public int MaxTrials { get; set; } = 27;

    /// <summary>Seed of the search, the validation split and the training. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>Share of the training rows held out to compare configurations when no validation data is given. Default 0.2; allowed (0, 0.5].</summary>
    public double ValidationFraction { get; set; } = 0.2;

    /// <summary>
    /// The search space (cells, sizes, depth, direction, learning rate, ...); null for the task's default,
    /// <see cref="RecurrentSearchSpace.ForTask"/>. Default null.
    /// </summary>
    public RecurrentSearchSpace? SearchSpace { get; set; }

    /// <summary>
    /// The validation figure that ranks the trials; null for the task's: accuracy for classification and tagging, loss
    /// for next-token models, RMSE for forecasting. Default null.
    /// </summary>
    public ExperimentMetric? OptimizingMetric { get; set; }

    /// <summary>Epochs of successive halving's first rung. Default 2; allowed 1 to <see cref="MaxEpochs"/>.</summary>
    public int MinEpochs { get; set; } = 2;

    /// <summary>Epochs of its last rung (every trial stops early when its validation loss stops improving). Default 30; allowed <see cref="MinEpochs"/> to 100,000.</summary>
    public int MaxEpochs { get; set; } = 30;

    /// <summary>
    /// Text tasks: tokenize into words (true) or characters (false); null for the task's trainer default: words for
    /// classification, characters for next-token models. Not used for a key-vector token column, tagging or forecasting.
    /// Default null.
    /// </summary>
    public bool? WordTokens { get; set; }

    /// <summary>
    /// Longer inputs are cut to this many steps, in training and prediction: the first tokens of a text to classify or
    /// learn, the most recent values of a series; a tagged sentence is read in windows of this length. Default 256;
    /// at least 1 (2 for next-token models).
    /// </summary>
    public int MaxSequenceLength { get; set; } = 256;

    /// <summary>Cancels the experiment with an <see cref="OperationCanceledException"/>.</summary>
    public CancellationToken CancellationToken { get; set; }

    // The settings the core experiment does not check under the same names; it checks the rest before any training.
    internal void Validate(RecurrentExperimentTask task)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxExperimentTime, TimeSpan.Zero, nameof(MaxExperimentTime));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSequenceLength, task == RecurrentExperimentTask.NextToken ? 2 : 1, nameof(MaxSequenceLength));
    }
}
