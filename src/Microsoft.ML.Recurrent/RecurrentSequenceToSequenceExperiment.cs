using System.Diagnostics;
using Microsoft.ML.Recurrent.Seq2Seq;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Finds the best attention encoder–decoder for a text-to-text task on an <see cref="IDataView"/> within a budget
/// (<see cref="RecurrentExperimentTask.SequenceToSequence"/>): random search over the core's
/// <see cref="Seq2SeqSearchSpace"/> (<see cref="Seq2SeqExperiment"/>), each trial trained with early stopping on a
/// validation split and ranked by its best validation loss; the best trial's model (its best epoch's weights) is
/// returned as a <see cref="RecurrentSequenceToSequenceTransformer"/>, the same transformer, columns and saved
/// <c>.zip</c> as <see cref="RecurrentSequenceToSequenceEstimator"/>'s, with the leaderboard. Create it with
/// <see cref="RecurrentExperimentCatalog.RecurrentSequenceToSequenceExperiment"/>.
/// </summary>
/// <remarks>
/// Unlike the other tasks' experiments, the best model is not retrained on all the data afterwards: a refit would cost
/// another trial's time, and the trial's model already holds the weights its validation loss was measured on.
/// </remarks>
public sealed class RecurrentSequenceToSequenceExperiment
{
    private readonly MLContext _context;

    internal RecurrentSequenceToSequenceExperiment(MLContext context, RecurrentSequenceToSequenceExperimentSettings settings)
    {
        _context = context;
        Settings = settings;
    }

    /// <summary>The task: <see cref="RecurrentExperimentTask.SequenceToSequence"/>.</summary>
    public RecurrentExperimentTask Task { get; } = RecurrentExperimentTask.SequenceToSequence;

    /// <summary>The settings (read when the experiment runs).</summary>
    public RecurrentSequenceToSequenceExperimentSettings Settings { get; }

    /// <summary>Runs the experiment, holding out <see cref="RecurrentExperimentSettings.ValidationFraction"/> of the rows (a seeded shuffle) to rank the trials.</summary>
    /// <param name="trainData">The training data: a source text column and a target text column.</param>
    /// <param name="columnInformation">The columns: <see cref="RecurrentColumnInformation.TextColumnName"/> (source, default "Text") and <see cref="RecurrentColumnInformation.LabelColumnName"/> (target, default "Label"); null for the defaults.</param>
    /// <param name="progress">Receives each finished trial; optional.</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or not text (the message names it, its type and what is allowed), or a setting is out of range.</exception>
    /// <exception cref="ArgumentException">Fewer than 2 rows with a non-empty source, an empty column name, or a setting this task cannot honour (the message says which).</exception>
    /// <exception cref="InvalidOperationException">Every trial diverged.</exception>
    /// <exception cref="OperationCanceledException"><see cref="RecurrentExperimentSettings.CancellationToken"/> was cancelled.</exception>
    public RecurrentSequenceToSequenceExperimentResult Execute(IDataView trainData, RecurrentColumnInformation? columnInformation = null, IProgress<Seq2SeqTrial>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        return Run(trainData, null, columnInformation, progress);
    }

    /// <summary>Runs the experiment, ranking the trials on <paramref name="validationData"/>; the vocabularies come from the training data.</summary>
    /// <param name="trainData">The training data: a source text column and a target text column.</param>
    /// <param name="validationData">The validation data, with the same columns.</param>
    /// <param name="columnInformation">The columns (source: <see cref="RecurrentColumnInformation.TextColumnName"/>, target: <see cref="RecurrentColumnInformation.LabelColumnName"/>); null for the defaults.</param>
    /// <param name="progress">Receives each finished trial; optional.</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or not text (the message names it, its type and what is allowed), or a setting is out of range.</exception>
    /// <exception cref="ArgumentException">No row with a non-empty source in either data, an empty column name, or a setting this task cannot honour (the message says which).</exception>
    /// <exception cref="InvalidOperationException">Every trial diverged.</exception>
    /// <exception cref="OperationCanceledException"><see cref="RecurrentExperimentSettings.CancellationToken"/> was cancelled.</exception>
    public RecurrentSequenceToSequenceExperimentResult Execute(IDataView trainData, IDataView validationData, RecurrentColumnInformation? columnInformation = null,
        IProgress<Seq2SeqTrial>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        ArgumentNullException.ThrowIfNull(validationData);
        return Run(trainData, validationData, columnInformation, progress);
    }

    private RecurrentSequenceToSequenceExperimentResult Run(IDataView trainData, IDataView? validationData, RecurrentColumnInformation? columns,
        IProgress<Seq2SeqTrial>? progress)
    {
        columns ??= new RecurrentColumnInformation();
        var s = Settings;
        s.Validate();
        RecurrentDataViewExperiment.CheckColumnNames(Task, columns);
        var clock = Stopwatch.StartNew();
        var estimator = new RecurrentSequenceToSequenceEstimator(_context, s.EstimatorOptions(columns));
        string what = $"rows with a non-empty source in '{columns.TextColumnName}'";
        var rows = estimator.ReadTokens(trainData, nameof(trainData));
        RecurrentExperimentTasks.RequireRows(rows.Count, what, validationData is not null, nameof(trainData));
        var held = validationData is null ? null : estimator.ReadTokens(validationData, nameof(validationData));
        RecurrentExperimentTasks.RequireValidationRows(held?.Count, what, nameof(validationData));
        var (sources, targets) = RecurrentSequenceToSequenceEstimator.BuildVocabularies(rows);
        var examples = RecurrentSequenceToSequenceEstimator.Encode(rows, sources, targets);
        var (train, validation) = held is null
            ? ValidationSplit.Split(examples, s.EffectiveValidationFraction(RecurrentExperimentTask.SequenceToSequence), s.Seed)
            : (examples, RecurrentSequenceToSequenceEstimator.Encode(held, sources, targets));
        var search = new Seq2SeqExperiment(s.SequenceToSequenceSearchSpace, s.MaxTrials, s.MaxExperimentTime, s.Seed)
        {
            EpochsPerTrial = s.MaxEpochs, Patience = s.EffectiveEarlyStoppingPatience(RecurrentExperimentTask.SequenceToSequence),
        };
        var (best, trials, training) = search.RunWithTraining(sources, targets, train, validation!, progress, s.CancellationToken);
        return new RecurrentSequenceToSequenceExperimentResult(estimator.CreateTransformer(trainData, best, training), trials, clock.Elapsed);
    }
}
