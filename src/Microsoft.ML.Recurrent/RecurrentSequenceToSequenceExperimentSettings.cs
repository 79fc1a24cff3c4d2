using Microsoft.ML.Recurrent.AutoML;
using Microsoft.ML.Recurrent.Seq2Seq;
using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Settings of the sequence-to-sequence experiment (<see cref="RecurrentSequenceToSequenceExperiment"/>): the budget and
/// validation settings of <see cref="RecurrentExperimentSettings"/>, plus the tokens and decoding of the model it
/// returns (as on <see cref="RecurrentSequenceToSequenceEstimator.Options"/>) and its own search space. Validated when
/// the experiment runs.
/// </summary>
/// <remarks>
/// Of the inherited settings, <see cref="RecurrentExperimentSettings.MaxExperimentTime"/>,
/// <see cref="RecurrentExperimentSettings.MaxTrials"/> (at most 1,000 here), <see cref="RecurrentExperimentSettings.Seed"/>,
/// <see cref="RecurrentExperimentSettings.ValidationFraction"/>, <see cref="RecurrentExperimentSettings.EarlyStoppingPatience"/>,
/// <see cref="RecurrentExperimentSettings.MaxEpochs"/> (the most epochs of one trial),
/// <see cref="RecurrentExperimentSettings.MaxSequenceLength"/> (source and target tokens kept per row) and
/// <see cref="RecurrentExperimentSettings.CancellationToken"/> apply. The search trains one trial at a time without
/// successive halving or folds, so <see cref="RecurrentExperimentSettings.MinEpochs"/> is not used, and
/// <see cref="RecurrentExperimentSettings.CrossValidationFolds"/> and <see cref="RecurrentExperimentSettings.MaxParallelTrials"/>
/// must stay null or 1; <see cref="RecurrentExperimentSettings.SearchSpace"/> and
/// <see cref="RecurrentExperimentSettings.WordTokens"/> must stay null (use <see cref="SequenceToSequenceSearchSpace"/>,
/// <see cref="SourceTokens"/> and <see cref="TargetTokens"/>), and <see cref="RecurrentExperimentSettings.OptimizingMetric"/>
/// may only be null or <see cref="ExperimentMetric.Loss"/>.
/// </remarks>
public sealed class RecurrentSequenceToSequenceExperimentSettings : RecurrentExperimentSettings
{
    /// <summary>How the source text is cut into tokens. Default Character.</summary>
    public TokenizerKind SourceTokens { get; set; } = TokenizerKind.Character;

    /// <summary>How the target text is cut into tokens (and joined back: characters as they are, words with single spaces). Default Character.</summary>
    public TokenizerKind TargetTokens { get; set; } = TokenizerKind.Character;

    /// <summary>The predicted text column the best model adds. Default "PredictedText".</summary>
    public string OutputColumnName { get; set; } = RecurrentDefaults.SequenceToSequence.OutputColumnName;

    /// <summary>When set, the best model also adds the attention weights under this name (see <see cref="RecurrentSequenceToSequenceEstimator.Options.AttentionColumnName"/>). Default null.</summary>
    public string? AttentionColumnName { get; set; }

    /// <summary>Hypotheses kept by the best model's beam search (1 is greedy); the search itself does not decode. Default 4; allowed 1 to 64.</summary>
    public int BeamWidth { get; set; } = RecurrentDefaults.SequenceToSequence.BeamWidth;

    /// <summary>The most output tokens the best model predicts; 0 means twice the source length plus 10. Default 0.</summary>
    public int MaxOutputLength { get; set; }

    /// <summary>
    /// The choices (cell, hidden and embedding sizes, attention, learning rate, batch size, label smoothing); null for
    /// <see cref="Seq2SeqSearchSpace"/>'s defaults. Default null.
    /// </summary>
    public Seq2SeqSearchSpace? SequenceToSequenceSearchSpace { get; set; }

    // The inherited settings this search reads are checked here (the core search checks its own arguments with other
    // names); those it cannot honour are refused rather than ignored.
    internal void Validate()
    {
        Validate(RecurrentExperimentTask.SequenceToSequence);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTrials, 1, nameof(MaxTrials));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxTrials, 1000, nameof(MaxTrials));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxEpochs, 1, nameof(MaxEpochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(EffectiveEarlyStoppingPatience(RecurrentExperimentTask.SequenceToSequence), 1, nameof(EarlyStoppingPatience));
        if (!Enum.IsDefined(SourceTokens) || !Enum.IsDefined(TargetTokens))
        {
            throw new ArgumentOutOfRangeException(nameof(SourceTokens), $"SourceTokens ({SourceTokens}) and TargetTokens ({TargetTokens}) must be Character or Word.");
        }
        Refuse(SearchSpace is not null, nameof(SearchSpace), "is the search space of the other tasks; set SequenceToSequenceSearchSpace instead");
        Refuse(RefitOnAllData is not null, nameof(RefitOnAllData), "is not read by this task: the best trial's model is returned");
        Refuse(WordTokens is not null, nameof(WordTokens), "is not read by this task; set SourceTokens and TargetTokens instead");
        Refuse(OptimizingMetric is not (null or ExperimentMetric.Loss), nameof(OptimizingMetric), "can only be null or Loss: the trials are ranked by validation loss");
        Refuse(CrossValidationFolds is > 1, nameof(CrossValidationFolds), "can only be null or 1: each trial validates on one hold-out split");
        Refuse(MaxParallelTrials != 1, nameof(MaxParallelTrials), "can only be 1: the trials train one at a time");
        SequenceToSequenceSearchSpace?.Validate();
    }

    private static void Refuse(bool refused, string name, string why)
    {
        if (refused)
        {
            throw new ArgumentException($"{name} {why} (sequence-to-sequence experiment).", name);
        }
    }

    // The estimator whose reading, checks and transformer the experiment shares.
    internal RecurrentSequenceToSequenceEstimator.Options EstimatorOptions(RecurrentColumnInformation columns) => new()
    {
        InputColumnName = columns.TextColumnName, LabelColumnName = columns.LabelColumnName, OutputColumnName = OutputColumnName,
        AttentionColumnName = AttentionColumnName, SourceTokens = SourceTokens, TargetTokens = TargetTokens, BeamWidth = BeamWidth,
        MaxOutputLength = MaxOutputLength, MaxSequenceLength = MaxSequenceLength, Seed = Seed, ValidationFraction = EffectiveValidationFraction(RecurrentExperimentTask.SequenceToSequence),
    };
}
