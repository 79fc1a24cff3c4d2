using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.AutoML;

/// <summary>The settings of a <see cref="RecurrentExperiment"/>. Every default is documented on its property.</summary>
public sealed record RecurrentExperimentOptions
{
    /// <summary>
    /// The model template: its task, vocabulary size, embedding-or-features input, output count, pooling, character
    /// input and forget-gate bias are kept; cell, hidden size, layers, direction, embedding size and dropout come from the
    /// search (and, with <see cref="IncludeTemplate"/>, the first trial uses the template's own). Its n-gram buckets and
    /// character vocabulary are what the search may switch on and off (<see cref="RecurrentSearchSpace.NgramEnsemble"/>,
    /// <see cref="RecurrentSearchSpace.CharacterAwareWords"/>). Required.
    /// </summary>
    public required SequenceModelOptions Model { get; init; }

    /// <summary>
    /// The trainer template: every trial keeps its regularization, weight decay, schedules, plateau halving, weight
    /// averaging and class weights; the epochs, batch size, optimizer, learning rate, clipping, truncation length,
    /// patience, seed and time limit come from the search and the experiment (and, with <see cref="IncludeTemplate"/>, the
    /// first trial uses the template's own optimizer, learning rate, batch size, clipping and truncation length). Null
    /// for <see cref="Training.TrainerOptions"/>'s defaults. Default null.
    /// </summary>
    public Training.TrainerOptions? Trainer { get; init; }

    /// <summary>
    /// Whether the first trial is the templates' own settings (<see cref="TrialSettings.FromTemplate"/>), so that a
    /// search started from a task's defaults always has the defaults among its candidates and ranks the rest against them;
    /// the other <see cref="MaxTrials"/> - 1 trials are sampled around it (<see cref="RecurrentSearchSpace.ChangeProbability"/>).
    /// The first trial is the templates' (or <see cref="FirstTrial"/>) even where the search space does not hold their
    /// values, and it trains for <see cref="MaxEpochs"/> from the first rung, stopping as the <see cref="Trainer"/> template
    /// does (its <see cref="Training.TrainerOptions.EarlyStoppingPatience"/>, null for none: the last weights are kept; without a
    /// template, <see cref="EarlyStoppingPatience"/>), with <see cref="Seed"/> itself, as the defaults train,
    /// so the best trial is never worse on validation than the starting point. Without it every trial is sampled from the
    /// whole space. Default true.
    /// </summary>
    public bool IncludeTemplate { get; init; } = true;

    /// <summary>
    /// The first trial's settings (with <see cref="IncludeTemplate"/>); null for the templates' own
    /// (<see cref="TrialSettings.FromTemplate"/>). Set it when the templates hold more than the starting point uses, e.g. a
    /// character vocabulary the search may switch on while the defaults leave it off. Default null.
    /// </summary>
    public TrialSettings? FirstTrial { get; init; }

    // Runs on every new model (each trial's, each fold's and the refit's) before training, e.g. to zero the unknown
    // token's embedding as the text classifiers do.
    internal Action<SequenceModel>? InitializeModel { get; init; }

    /// <summary>
    /// Whether a classification trial's probabilities are calibrated by temperature scaling on its held-out rows after
    /// training (the refit takes the best trial's temperature), as the text classifiers calibrate theirs. Classes and
    /// the ranking are unchanged. Ignored for other tasks. Default true.
    /// </summary>
    public bool CalibrateProbabilities { get; init; } = true;

    /// <summary>The task (that of <see cref="Model"/>).</summary>
    public SequenceTask Task => Model.Task;

    /// <summary>The settings to search; null for <see cref="RecurrentSearchSpace.ForTask"/> of the task. Default null.</summary>
    public RecurrentSearchSpace? SearchSpace { get; init; }

    /// <summary>
    /// The validation figure to optimise; null for the task's default: <see cref="ExperimentMetric.Accuracy"/> for
    /// classification and tagging, <see cref="ExperimentMetric.Rmse"/> for regression, <see cref="ExperimentMetric.Loss"/>
    /// (perplexity's logarithm) for language models. Ties are broken by the lower validation loss. Default null.
    /// </summary>
    public ExperimentMetric? Metric { get; init; }

    /// <summary>
    /// Wall-clock budget of the search. No trial starts after it (except the first, so there is always a result), and a
    /// running trial stops at it after its current step and a last validation (under k-fold no further fold starts, and
    /// the trial reports the folds it trained). The final refit on all data comes on
    /// top, limited to the budget left or, if more, twice the best trial's training time scaled to the refit's data and epochs, plus one second. Default 5 minutes; must be positive.
    /// </summary>
    public TimeSpan TimeBudget { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Configurations to sample (the trial budget; each may be trained at several rungs). Default 27; allowed 1 to 10,000.</summary>
    public int MaxTrials { get; init; } = 27;

    /// <summary>
    /// Seed of the sampling, the validation split, and every trial's initial weights, shuffling and dropout (the first
    /// trial, with <see cref="IncludeTemplate"/>, uses this seed itself, so it trains exactly as a trainer with this seed). Default 0.
    /// </summary>
    public int Seed { get; init; }

    /// <summary>
    /// Share of the training data held out for validation when no validation data is given and a hold-out split is used
    /// (see <see cref="CrossValidationFolds"/>): a seeded shuffle of the sequences (the tail of a token stream).
    /// Default 0.2; allowed (0, 0.5].
    /// </summary>
    public double ValidationFraction { get; init; } = 0.2;

    /// <summary>
    /// How every run is validated when no validation data is given: 1 for one hold-out split of
    /// <see cref="ValidationFraction"/>; 2 to 10 for k-fold cross-validation (each run trains one model per fold, each
    /// with early stopping on its held-out fold, and scores the mean of the folds' metrics); null to choose: 5 folds for
    /// small data (fewer than 500 training sequences, at most one fold per sequence; or a token stream of 10 to 19,999
    /// ids), otherwise a hold-out split. Sequences are dealt to folds after a seeded shuffle, stratified by class for
    /// classification; a token stream is cut into k contiguous chunks in order. Explicit validation data is always
    /// used as it is (with null, no folds are made); with a value above 1 it is an error. Each run costs k trainings,
    /// so fewer trials fit in the <see cref="TimeBudget"/>. Default null.
    /// </summary>
    public int? CrossValidationFolds { get; init; }

    /// <summary>
    /// Trials trained at the same time. With more than one, <see cref="ComputeSettings.MaxThreads"/> (process-wide) is set
    /// to max(1, processors / MaxParallelTrials) during the run and restored after it. Results do not depend on it.
    /// Default 1 (trials run one after another, each using every thread); allowed 1 to 64.
    /// </summary>
    public int MaxParallelTrials { get; init; } = 1;

    /// <summary>Successive halving's reduction factor η: each rung keeps the best 1/η of its trials and trains them η times longer. Default 3; allowed 2 to 10.</summary>
    public int ReductionFactor { get; init; } = 3;

    /// <summary>Epochs of the first rung. Default 2; allowed 1 to <see cref="MaxEpochs"/>.</summary>
    public int MinEpochs { get; init; } = 2;

    /// <summary>Epochs of the last rung (a single survivor jumps straight to it). Default 30; allowed <see cref="MinEpochs"/> to 100,000.</summary>
    public int MaxEpochs { get; init; } = 30;

    /// <summary>
    /// Early-stopping patience of every trial (but the first, which stops as the <see cref="Trainer"/> template does), in
    /// epochs without a better validation loss. Default 5; allowed 1 to 1,000.
    /// Raise it for tasks where the loss plateaus (or rises) for a while before the model finds the signal.
    /// </summary>
    public int EarlyStoppingPatience { get; init; } = 5;

    /// <summary>
    /// Retrain the best settings on training + validation data for the best trial's best epoch count (under k-fold, the
    /// mean of its folds' best epochs, rounded) and return that model; false returns the best trial's own model
    /// (trained on the training split; under k-fold, its fold model with the best validation metric, then the lower
    /// validation loss, then the first; every trial's model is then kept in memory until the experiment ends).
    /// Default true.
    /// </summary>
    public bool RefitOnAllData { get; init; } = true;

    /// <summary>The metric in effect: <see cref="Metric"/> or the task's default.</summary>
    public ExperimentMetric EffectiveMetric => Metric ?? Task switch
    {
        SequenceTask.Classification or SequenceTask.Tagging => ExperimentMetric.Accuracy,
        SequenceTask.Regression => ExperimentMetric.Rmse,
        _ => ExperimentMetric.Loss,
    };

    /// <summary>Throws an exception naming the first setting that is out of its allowed range.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Model, nameof(Model));
        Model.Validate();
        Trainer?.Validate();
        FirstTrial?.ToModelOptions(Model).Validate();
        (SearchSpace ?? RecurrentSearchSpace.ForTask(Task)).Validate(Task);
        var metric = EffectiveMetric;
        bool fits = metric switch
        {
            ExperimentMetric.Loss => true,
            ExperimentMetric.Accuracy => Task != SequenceTask.Regression,
            ExperimentMetric.Rmse => Task == SequenceTask.Regression,
            _ => false,
        };
        if (!fits)
        {
            throw new ArgumentOutOfRangeException(nameof(Metric), metric,
                $"Metric {metric} does not fit a {Task} task: use Loss, or {(Task == SequenceTask.Regression ? "Rmse" : "Accuracy")}.");
        }
        if (!(TimeBudget > TimeSpan.Zero))
        {
            throw new ArgumentOutOfRangeException(nameof(TimeBudget), TimeBudget, "TimeBudget must be positive.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTrials, 1, nameof(MaxTrials));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxTrials, 10_000, nameof(MaxTrials));
        if (!(ValidationFraction is > 0 and <= 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(ValidationFraction), ValidationFraction, "ValidationFraction must be in (0, 0.5].");
        }
        if (CrossValidationFolds is not (null or (>= 1 and <= 10)))
        {
            throw new ArgumentOutOfRangeException(nameof(CrossValidationFolds), CrossValidationFolds,
                $"CrossValidationFolds is {CrossValidationFolds}; allowed are 1 (a hold-out split), 2 to 10 (k-fold cross-validation) or null (automatic).");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxParallelTrials, 1, nameof(MaxParallelTrials));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxParallelTrials, 64, nameof(MaxParallelTrials));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReductionFactor, 2, nameof(ReductionFactor));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ReductionFactor, 10, nameof(ReductionFactor));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinEpochs, 1, nameof(MinEpochs));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxEpochs, 100_000, nameof(MaxEpochs));
        if (MaxEpochs < MinEpochs)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEpochs), MaxEpochs, $"MaxEpochs must be at least MinEpochs ({MinEpochs}).");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(EarlyStoppingPatience, 1, nameof(EarlyStoppingPatience));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(EarlyStoppingPatience, 1000, nameof(EarlyStoppingPatience));
    }
}
