using Microsoft.ML.Recurrent.AutoML;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Finds the best recurrent model for a task on an <see cref="IDataView"/> within a budget, shaped like ML.NET
/// AutoML's experiments: random search with successive halving around the task trainer's defaults (the first trial is
/// exactly the trainer's default run, so the winner is never worse on validation) over cells, sizes, depth, direction,
/// optimisation, dropout, weight averaging and, where the task has them, the n-gram ensemble and character-aware words
/// (<see cref="RecurrentExperiment"/>), then the best configuration (retrained on all the data, except for the text
/// classifiers: <see cref="RecurrentExperimentSettings.RefitOnAllData"/>) returned as an ordinary, saveable transformer
/// with the leaderboard. Create it with
/// <see cref="RecurrentExperimentCatalog.CreateRecurrentExperiment"/> or a task catalog's experiment method.
/// </summary>
public class RecurrentDataViewExperiment
{
    private readonly MLContext _context;

    internal RecurrentDataViewExperiment(MLContext context, RecurrentExperimentTask task, RecurrentExperimentSettings settings)
    {
        _context = context;
        Task = task;
        Settings = settings;
    }

    /// <summary>The task.</summary>
    public RecurrentExperimentTask Task { get; }

    /// <summary>The settings (read when the experiment runs).</summary>
    public RecurrentExperimentSettings Settings { get; }

    /// <summary>Runs the experiment, holding out <see cref="RecurrentExperimentSettings.ValidationFraction"/> of the rows to compare configurations.</summary>
    /// <param name="trainData">The training data.</param>
    /// <param name="columnInformation">The columns to read; null for the default names.</param>
    /// <param name="progress">Receives each finished trial; optional.</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type (the message names it, its type and what is allowed), or a setting is out of range.</exception>
    /// <exception cref="ArgumentException">Too few rows, one class only, or rows the task's trainer rejects (the message says which).</exception>
    /// <exception cref="InvalidOperationException">No trial trained successfully (for example all diverged).</exception>
    /// <exception cref="OperationCanceledException"><see cref="RecurrentExperimentSettings.CancellationToken"/> was cancelled.</exception>
    public RecurrentExperimentResult Execute(IDataView trainData, RecurrentColumnInformation? columnInformation = null, IProgress<TrialResult>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        return Run(trainData, null, columnInformation, progress);
    }

    /// <summary>
    /// Runs the experiment, comparing configurations on <paramref name="validationData"/>; the best is then retrained
    /// on both. The vocabulary, the classes' order and the series' scaling come from the training data.
    /// </summary>
    /// <param name="trainData">The training data.</param>
    /// <param name="validationData">The validation data, with the same columns.</param>
    /// <param name="columnInformation">The columns to read; null for the default names.</param>
    /// <param name="progress">Receives each finished trial; optional.</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type (the message names it, its type and what is allowed), or a setting is out of range.</exception>
    /// <exception cref="ArgumentException">No usable rows, one class only, or rows the task's trainer rejects (the message says which).</exception>
    /// <exception cref="InvalidOperationException">No trial trained successfully (for example all diverged).</exception>
    /// <exception cref="OperationCanceledException"><see cref="RecurrentExperimentSettings.CancellationToken"/> was cancelled.</exception>
    public RecurrentExperimentResult Execute(IDataView trainData, IDataView validationData, RecurrentColumnInformation? columnInformation = null,
        IProgress<TrialResult>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        ArgumentNullException.ThrowIfNull(validationData);
        return Run(trainData, validationData, columnInformation, progress);
    }

    private RecurrentExperimentResult Run(IDataView trainData, IDataView? validationData, RecurrentColumnInformation? columns, IProgress<TrialResult>? progress)
    {
        columns ??= new RecurrentColumnInformation();
        var s = Settings;
        s.Validate(Task);
        if (validationData is not null)
        {
            s.ValidateWithValidationData();
        }
        CheckColumnNames(Task, columns);
        var prepared = RecurrentExperimentTasks.Prepare(_context, Task, trainData, validationData, columns, s);
        var experiment = new RecurrentExperiment(new RecurrentExperimentOptions
        {
            Model = prepared.Template, Trainer = prepared.Trainer, SearchSpace = s.SearchSpace, Metric = s.OptimizingMetric, TimeBudget = s.MaxExperimentTime,
            MaxTrials = s.MaxTrials, Seed = s.Seed, ValidationFraction = s.EffectiveValidationFraction(Task), MinEpochs = s.MinEpochs, MaxEpochs = s.MaxEpochs,
            CrossValidationFolds = prepared.Validation is null ? s.CrossValidationFolds : null,
            MaxParallelTrials = s.MaxParallelTrials, EarlyStoppingPatience = s.EffectiveEarlyStoppingPatience(Task),
            RefitOnAllData = s.EffectiveRefitOnAllData(Task), FirstTrial = prepared.FirstTrial, InitializeModel = prepared.InitializeModel,
        });
        var details = experiment.Run(prepared.Train, prepared.Validation, progress, s.CancellationToken);
        return new RecurrentExperimentResult(Task, BestTransformer(prepared, details, s), details);
    }

    // A text classifier's experiment without a refit averages its leading trials' models, as many as the classifiers'
    // ensemble would have (or EnsembleSize); otherwise, and with one successful trial, the best model alone.
    private static RecurrentModelTransformer BestTransformer(RecurrentExperimentTasks.Prepared prepared, ExperimentResult details, RecurrentExperimentSettings s)
    {
        int members = Math.Min(s.EnsembleSize ?? prepared.AutomaticEnsembleSize, details.TrialModels.Count);
        return prepared.CreateEnsemble is { } ensemble && details.Refit is null && members > 1
            ? ensemble([.. details.TrialModels.Take(members)])
            : prepared.CreateTransformer(details.BestModel, details.Refit);
    }

    // A column name the task reads must be given (the sequence-to-sequence experiment reads the text and label columns too).
    internal static void CheckColumnNames(RecurrentExperimentTask task, RecurrentColumnInformation columnInformation)
    {
        var columns = columnInformation;
        (string? Value, string Name)[] needed = task switch
        {
            RecurrentExperimentTask.NextToken => [(columns.TextColumnName, nameof(columns.TextColumnName))],
            RecurrentExperimentTask.Tagging => [(columns.TokensColumnName, nameof(columns.TokensColumnName)), (columns.LabelColumnName, nameof(columns.LabelColumnName))],
            RecurrentExperimentTask.Forecasting => [(columns.SeriesColumnName, nameof(columns.SeriesColumnName)), (columns.LabelColumnName, nameof(columns.LabelColumnName))],
            _ => [(columns.TextColumnName, nameof(columns.TextColumnName)), (columns.LabelColumnName, nameof(columns.LabelColumnName))],
        };
        foreach (var (value, name) in needed)
        {
            if (string.IsNullOrEmpty(value))
            {
                throw new ArgumentException($"{name} is {(value is null ? "null" : "empty")}; a {task} experiment reads that column.", nameof(columnInformation));
            }
        }
    }
}
