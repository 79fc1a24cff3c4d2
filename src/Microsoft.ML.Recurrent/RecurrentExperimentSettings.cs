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

    /// <summary>
    /// Share of the training rows held out to compare configurations when no validation data is given and no k-fold
    /// cross-validation runs; null for the task's: 0.1 for text classification (held out class by class with
    /// <see cref="Seed"/>, as the text classifiers hold out, so the first trial trains on the rows the default classifier
    /// trains on), 0.2 otherwise. Default null; allowed (0, 0.5].
    /// </summary>
    public double? ValidationFraction { get; set; }

    /// <summary>
    /// How trials are validated when no validation data is given: 1 holds out <see cref="ValidationFraction"/> of the
    /// rows; 2 to 10 cross-validates in that many folds (each trial trains one model per fold and is ranked by their
    /// mean); null chooses 5 folds for small data (under 500 rows) and a hold-out split otherwise. Forecasting always
    /// holds out the last rows (folds would let training see the future), so only null and 1 are allowed there; with
    /// validation data only null and 1 are allowed. Default null.
    /// </summary>
    public int? CrossValidationFolds { get; set; }

    /// <summary>Trials trained at the same time (each on its share of the engine's threads); results do not depend on it. Default 1; allowed 1 to 64.</summary>
    public int MaxParallelTrials { get; set; } = 1;

    /// <summary>
    /// A trial stops after this many epochs without a better validation loss; null for the task's: 8 for text
    /// classification (the text classifiers' patience), 5 otherwise. Default null; allowed 1 to 1,000.
    /// </summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>
    /// Whether the best configuration is retrained on all the rows (held-out ones included) for its best epoch count and
    /// that model returned; false returns the best trial's own model. Null for the task's: false for text classification
    /// (as the text classifiers' <see cref="RecurrentTextClassificationOptionsBase.RefitOnAllRows"/>: a refit of an n-gram
    /// ensemble measured worse: it trained both parts for the later part's epochs, and a kept naive Bayes part would
    /// take the recurrent part's temperature; docs/sentiment.md), true otherwise.
    /// A refit cannot be validated, so it is a setting, not part of the search. Default null.
    /// </summary>
    public bool? RefitOnAllData { get; set; }

    /// <summary>
    /// Text classification without a refit: the returned model averages the probabilities of this many leading trials'
    /// models (the best first; fewer when fewer trials succeeded), as a classifier's
    /// <see cref="RecurrentTextClassificationOptionsBase.EnsembleSize"/> averages seeds. 1 returns the best trial's model
    /// alone. Null for the classifiers' rule (100,000 / the training tokens, from 1 to 5), so the experiment returns an
    /// ensemble where the default classifier would train one. Other tasks, and a refit, return one model: there it must be
    /// null or 1. Default null; allowed 1 to 16.
    /// </summary>
    public int? EnsembleSize { get; set; }

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

    private static bool IsTextClassification(RecurrentExperimentTask task) =>
        task is RecurrentExperimentTask.BinaryClassification or RecurrentExperimentTask.MulticlassClassification;

    internal double EffectiveValidationFraction(RecurrentExperimentTask task) =>
        ValidationFraction ?? (IsTextClassification(task) ? RecurrentDefaults.TextClassification.ValidationFraction : 0.2);

    internal int EffectiveEarlyStoppingPatience(RecurrentExperimentTask task) =>
        EarlyStoppingPatience ?? (IsTextClassification(task) ? RecurrentDefaults.TextClassification.EarlyStoppingPatience : 5);

    internal bool EffectiveRefitOnAllData(RecurrentExperimentTask task) =>
        RefitOnAllData ?? !(IsTextClassification(task) && !RecurrentDefaults.TextClassification.RefitOnAllRows);

    // The settings the core experiment does not check under the same names; it checks the rest before any training.
    internal void Validate(RecurrentExperimentTask task)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxExperimentTime, TimeSpan.Zero, nameof(MaxExperimentTime));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSequenceLength, task == RecurrentExperimentTask.NextToken ? 2 : 1, nameof(MaxSequenceLength));
        ValidateFraction();
        ValidateEnsembleSize(IsTextClassification(task) ? null : task);
        if (task == RecurrentExperimentTask.Forecasting)
        {
            ValidateForecastingFolds();
        }
    }

    // otherTask: the task when it is not text classification (one model only).
    private void ValidateEnsembleSize(RecurrentExperimentTask? otherTask)
    {
        if (EnsembleSize is int members && (members is < 1 or > SavedModel.ModelEnsemble.MaxMembers || (members > 1 && otherTask is not null)))
        {
            throw OutOfRange(nameof(EnsembleSize), members, otherTask is null
                ? $"EnsembleSize must be 1 to {SavedModel.ModelEnsemble.MaxMembers}, or null for the classifiers' rule."
                : $"EnsembleSize must be null or 1 for a {otherTask} experiment: only text classifiers average several models.");
        }
    }

    // The exception names the setting (a property) rather than a parameter of the method that checks it.
    private static ArgumentOutOfRangeException OutOfRange(string setting, object value, string message) => new(setting, value, message);

    private void ValidateFraction()
    {
        if (ValidationFraction is double fraction && !(fraction is > 0 and <= 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(ValidationFraction), fraction, "ValidationFraction must be in (0, 0.5], or null for the task's.");
        }
    }

    private void ValidateForecastingFolds()
    {
        if (CrossValidationFolds is > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(CrossValidationFolds), CrossValidationFolds,
                "A forecasting experiment validates on the last rows of the series (folds would let training see the future): set CrossValidationFolds to null or 1.");
        }
    }

    internal void ValidateWithValidationData()
    {
        if (CrossValidationFolds is > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(CrossValidationFolds), CrossValidationFolds,
                "Validation data was given, so trials are ranked on it: set CrossValidationFolds to null or 1, or leave out the validation data to cross-validate.");
        }
    }
}
