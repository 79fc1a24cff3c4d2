using Microsoft.ML.Recurrent.AutoML;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent;

/// <summary>Settings of a recurrent text-classification experiment (like ML.NET AutoML's experiment settings).</summary>
public sealed class RecurrentTextExperimentSettings
{
    /// <summary>Wall-clock budget for the search (the final refit on all data comes on top). Default 5 minutes.</summary>
    public TimeSpan MaxExperimentTime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The most configurations to try. Default 27.</summary>
    public int MaxTrials { get; set; } = 27;

    /// <summary>Seed of the search, the split and the training. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>Share of the training rows used to compare configurations. Default 0.2.</summary>
    public double ValidationFraction { get; set; } = 0.2;

    /// <summary>The search space; null for the classification default (cells, sizes, depth, direction, learning rate, ...).</summary>
    public RecurrentSearchSpace? SearchSpace { get; set; }

    /// <summary>Tokenize into words (true) or characters (false). Default true.</summary>
    public bool WordTokens { get; set; } = true;

    /// <summary>Longer inputs are truncated to their first this-many tokens. Default 256.</summary>
    public int MaxSequenceLength { get; set; } = 256;

    /// <summary>Cancels the experiment with an <see cref="OperationCanceledException"/>.</summary>
    public CancellationToken CancellationToken { get; set; }
}

/// <summary>
/// Finds the best recurrent binary text classifier for the data within a budget: random search with successive
/// halving over cells, sizes, depth, direction and optimisation settings, then the best configuration retrained on
/// all the data. Returned as an ordinary, saveable transformer with the leaderboard.
/// </summary>
public sealed class RecurrentTextExperiment
{
    private readonly MLContext _context;

    internal RecurrentTextExperiment(MLContext context, RecurrentTextExperimentSettings settings)
    {
        _context = context;
        Settings = settings;
    }

    /// <summary>The settings.</summary>
    public RecurrentTextExperimentSettings Settings { get; }

    /// <summary>Runs the experiment on a text column and a Boolean label column.</summary>
    /// <param name="trainData">The training data.</param>
    /// <param name="labelColumnName">The Boolean label column.</param>
    /// <param name="textColumnName">The text column.</param>
    /// <param name="progress">Receives each finished trial; optional.</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type.</exception>
    /// <exception cref="ArgumentException">The data is empty or has one class.</exception>
    public RecurrentTextExperimentResult Execute(IDataView trainData, string labelColumnName = "Label", string textColumnName = "Text",
        IProgress<TrialResult>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        if (TokenColumn.IsKeyVector(trainData.Schema, textColumnName))
        {
            throw new ArgumentOutOfRangeException(nameof(textColumnName), $"Column '{textColumnName}' is a key vector; the experiment reads a text (string) column.");
        }
        var rows = RecurrentTextClassifierEstimator.ReadRows(trainData, textColumnName, labelColumnName, nameof(trainData));
        if (rows.Count < 2)
        {
            throw new ArgumentException($"The training data has {rows.Count} rows; an experiment needs at least 2 (for training and validation).", nameof(trainData));
        }
        int positives = rows.Count(r => r.Label);
        if (positives == 0 || positives == rows.Count)
        {
            throw new ArgumentException($"The label column '{labelColumnName}' has only one class in {rows.Count} rows; a binary classifier needs both.", nameof(trainData));
        }
        var sequencer = RecurrentTextClassifierEstimator.BuildSequencer(rows.Select(r => r.Text), Settings.WordTokens, 1);
        var examples = RecurrentTextClassifierEstimator.EncodeRows(sequencer, rows, Settings.MaxSequenceLength);
        var experiment = new RecurrentExperiment(new RecurrentExperimentOptions
        {
            Model = new SequenceModelOptions
            {
                Task = SequenceTask.Classification, VocabularySize = sequencer.Vocabulary.Count, OutputSize = 2, Pooling = SequencePooling.Max,
            },
            SearchSpace = Settings.SearchSpace, TimeBudget = Settings.MaxExperimentTime, MaxTrials = Settings.MaxTrials,
            Seed = Settings.Seed, ValidationFraction = Settings.ValidationFraction,
        });
        var result = experiment.Run(examples, null, progress, Settings.CancellationToken);
        var transformer = RecurrentTextClassifierEstimator.CreateTransformer(_context, textColumnName, result.BestModel, sequencer,
            Settings.MaxSequenceLength, result.Refit, trainData);
        return new RecurrentTextExperimentResult(transformer, result);
    }
}

/// <summary>The outcome of a <see cref="RecurrentTextExperiment"/>: the best model and every trial.</summary>
public sealed class RecurrentTextExperimentResult
{
    internal RecurrentTextExperimentResult(RecurrentModelTransformer bestModel, ExperimentResult details)
    {
        BestModel = bestModel;
        Details = details;
    }

    /// <summary>The best configuration retrained on all the data, as a saveable ML.NET transformer.</summary>
    public RecurrentModelTransformer BestModel { get; }

    /// <summary>The best trial (its settings and validation figures).</summary>
    public TrialResult BestRun => Details.BestTrial;

    /// <summary>Every configuration, best first.</summary>
    public IReadOnlyList<TrialResult> Leaderboard => Details.Leaderboard;

    /// <summary>The core experiment's full result.</summary>
    public ExperimentResult Details { get; }

    /// <summary>The leaderboard as a text table.</summary>
    public string FormatLeaderboard(int maxRows = 20) => Details.FormatLeaderboard(maxRows);
}
