using Microsoft.ML.Recurrent.AutoML;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Text;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Reads and checks an experiment's data for each task with the trainers' own helpers, so the data an experiment
/// learns from and the model it returns are exactly what the task's trainer would read and build.
/// </summary>
internal static partial class RecurrentExperimentTasks
{
    /// <summary>The examples, the model template and how to wrap the winning model as a saveable transformer.</summary>
    /// <remarks>
    /// <paramref name="Template"/> and <paramref name="Trainer"/> are the task trainer's defaults: the experiment's first trial,
    /// and the regularization every trial keeps.
    /// </remarks>
    public sealed record Prepared(SequenceModelOptions Template, TrainerOptions Trainer, List<SequenceExample> Train, List<SequenceExample>? Validation,
        Func<SequenceModel, TrainingResult?, RecurrentModelTransformer> CreateTransformer)
    {
        /// <summary>The first trial's settings when the template holds more than the defaults use; null for the template's own.</summary>
        public TrialSettings? FirstTrial { get; init; }

        /// <summary>Runs on every new model before training; null for nothing.</summary>
        public Action<SequenceModel>? InitializeModel { get; init; }

        /// <summary>Text classifiers: wraps several trials' models (the best first) as one ensemble; null for other tasks.</summary>
        public Func<IReadOnlyList<SequenceModel>, RecurrentModelTransformer>? CreateEnsemble { get; init; }

        /// <summary>Text classifiers: the classifiers' automatic ensemble size for the training rows (1 for other tasks).</summary>
        public int AutomaticEnsembleSize { get; init; } = 1;
    }

    public static SequenceTask CoreTask(RecurrentExperimentTask task) => task switch
    {
        RecurrentExperimentTask.NextToken => SequenceTask.LanguageModel,
        RecurrentExperimentTask.Tagging => SequenceTask.Tagging,
        RecurrentExperimentTask.Forecasting => SequenceTask.Regression,
        _ => SequenceTask.Classification,
    };

    public static Prepared Prepare(MLContext context, RecurrentExperimentTask task, IDataView trainData, IDataView? validationData,
        RecurrentColumnInformation columns, RecurrentExperimentSettings settings) => task switch
    {
        RecurrentExperimentTask.BinaryClassification => Binary(context, trainData, validationData, columns, settings),
        RecurrentExperimentTask.MulticlassClassification => Multiclass(context, trainData, validationData, columns, settings),
        RecurrentExperimentTask.NextToken => NextToken(context, trainData, validationData, columns, settings),
        RecurrentExperimentTask.Tagging => Tagging(context, trainData, validationData, columns, settings),
        _ => Forecasting(context, trainData, validationData, columns, settings),
    };

    private static Prepared Binary(MLContext context, IDataView trainData, IDataView? validationData, RecurrentColumnInformation c, RecurrentExperimentSettings s)
    {
        bool tokenInput = TokenColumn.IsKeyVector(trainData.Schema, c.TextColumnName);
        var rows = RecurrentTextBinaryTrainer.ReadRows(trainData, c.TextColumnName, c.LabelColumnName, nameof(trainData));
        RequireRows(rows.Count, $"rows in '{c.TextColumnName}' and '{c.LabelColumnName}'", validationData is not null, nameof(trainData));
        int positives = rows.Count(r => r.Label);
        if (positives == 0 || positives == rows.Count)
        {
            throw new ArgumentException($"The label column '{c.LabelColumnName}' has only one class ({(positives == 0 ? "false" : "true")}) in {rows.Count} rows; a binary classifier needs both.", nameof(trainData));
        }
        var held = validationData is null ? null : RecurrentTextBinaryTrainer.ReadRows(RequireSameInput(trainData, validationData, c.TextColumnName, tokenInput), c.TextColumnName, c.LabelColumnName, nameof(validationData));
        RequireValidationRows(held?.Count, $"rows in '{c.TextColumnName}' and '{c.LabelColumnName}'", nameof(validationData));
        static List<(string Text, int Label)> Classes(List<(string Text, bool Label)> r) => [.. r.Select(x => (x.Text, x.Label ? 1 : 0))];
        return Classifier(new RecurrentTextBinaryTrainer.Options(), Classes(rows), held is null ? null : Classes(held), 2, tokenInput, RecurrentExperimentTask.BinaryClassification, s,
            (model, sequencer, refit, profile) => RecurrentTextBinaryTrainer.CreateTransformer(context, c.TextColumnName, model, sequencer, s.MaxSequenceLength, refit, trainData, tokenInput, profile),
            members => RecurrentTextBinaryTrainer.CreateTransformer(context, c.TextColumnName, members, s.MaxSequenceLength, null, trainData, tokenInput));
    }

    private static Prepared Multiclass(MLContext context, IDataView trainData, IDataView? validationData, RecurrentColumnInformation c, RecurrentExperimentSettings s)
    {
        bool tokenInput = TokenColumn.IsKeyVector(trainData.Schema, c.TextColumnName);
        var (rows, names) = RecurrentTextMulticlassTrainer.ReadRows(trainData, c.TextColumnName, c.LabelColumnName, nameof(trainData));
        RequireRows(rows.Count, $"rows with a label in '{c.LabelColumnName}'", validationData is not null, nameof(trainData));
        RecurrentTextMulticlassTrainer.RequireTwoClasses(rows, c.LabelColumnName, nameof(trainData));
        List<(string Text, int Label)>? held = null;
        if (validationData is not null)
        {
            (held, var heldNames) = RecurrentTextMulticlassTrainer.ReadRows(RequireSameInput(trainData, validationData, c.TextColumnName, tokenInput), c.TextColumnName, c.LabelColumnName, nameof(validationData));
            if (!heldNames.SequenceEqual(names, StringComparer.Ordinal))
            {
                throw new ArgumentOutOfRangeException(nameof(validationData), $"Column '{c.LabelColumnName}' has the classes [{string.Join(", ", heldNames)}] in the validation data but [{string.Join(", ", names)}] in the training data; map both with the same fitted MapValueToKey.");
            }
            RequireValidationRows(held.Count, $"rows with a label in '{c.LabelColumnName}'", nameof(validationData));
        }
        return Classifier(new RecurrentTextMulticlassTrainer.Options(), rows, held, names.Length, tokenInput, RecurrentExperimentTask.MulticlassClassification, s,
            (model, sequencer, refit, profile) => RecurrentTextMulticlassTrainer.CreateTransformer(context, c.TextColumnName, model, sequencer, names, s.MaxSequenceLength, refit, trainData, tokenInput, profile),
            members => RecurrentTextMulticlassTrainer.CreateTransformer(context, c.TextColumnName, members, names, s.MaxSequenceLength, null, trainData, tokenInput));
    }

    private static Prepared NextToken(MLContext context, IDataView trainData, IDataView? validationData, RecurrentColumnInformation c, RecurrentExperimentSettings s)
    {
        var texts = RecurrentLanguageModelEstimator.ReadTexts(trainData, c.TextColumnName, nameof(trainData));
        var heldTexts = validationData is null ? null : RecurrentLanguageModelEstimator.ReadTexts(validationData, c.TextColumnName, nameof(validationData));
        var sequencer = RecurrentLanguageModelEstimator.BuildSequencer(texts, s.WordTokens ?? RecurrentDefaults.LanguageModel.WordTokens, RecurrentDefaults.LanguageModel.MinTokenCount);
        var examples = RecurrentLanguageModelEstimator.Encode(sequencer, texts, s.MaxSequenceLength);
        RequireRows(examples.Count, $"non-empty texts in '{c.TextColumnName}'", validationData is not null, nameof(trainData));
        var held = heldTexts is null ? null : RecurrentLanguageModelEstimator.Encode(sequencer, heldTexts, s.MaxSequenceLength);
        RequireValidationRows(held?.Count, $"non-empty texts in '{c.TextColumnName}'", nameof(validationData));
        var defaults = new RecurrentLanguageModelEstimator.Options();
        return new Prepared(
            WithArchitecture(new SequenceModelOptions { Task = SequenceTask.LanguageModel, VocabularySize = sequencer.Vocabulary.Count, EmbeddingSize = defaults.EmbeddingSize }, defaults),
            RecurrentTraining.Create(defaults, hasValidation: true),
            examples, held,
            (model, refit) => RecurrentLanguageModelEstimator.CreateTransformer(context, c.TextColumnName, model, sequencer, s.MaxSequenceLength, refit, trainData));
    }

    private static Prepared Tagging(MLContext context, IDataView trainData, IDataView? validationData, RecurrentColumnInformation c, RecurrentExperimentSettings s)
    {
        var rows = RecurrentSequenceTaggingEstimator.ReadRows(trainData, c.TokensColumnName, c.LabelColumnName, nameof(trainData));
        RequireRows(rows.Count, $"non-empty token sequences in '{c.TokensColumnName}'", validationData is not null, nameof(trainData));
        var held = validationData is null ? null : RecurrentSequenceTaggingEstimator.ReadRows(validationData, c.TokensColumnName, c.LabelColumnName, nameof(validationData));
        RequireValidationRows(held?.Count, $"non-empty token sequences in '{c.TokensColumnName}'", nameof(validationData));
        var vocabulary = RecurrentSequenceTaggingEstimator.BuildVocabulary(rows, RecurrentDefaults.SequenceTagging.MinTokenCount);
        // A tag seen only in the validation data is a class of the model too (it cannot be predicted, but it is scored).
        var tagNames = RecurrentSequenceTaggingEstimator.TagNames(held is null ? rows : rows.Concat(held), c.LabelColumnName, nameof(trainData));
        // Character-aware words as the tagger's default has them (the search varies the rest of the architecture).
        var characters = RecurrentDefaults.SequenceTagging.CharacterAwareWords ? CharacterVocabulary.Build(rows.SelectMany(r => r.Tokens)) : null;
        var defaults = new RecurrentSequenceTaggingEstimator.Options();
        return new Prepared(
            WithArchitecture(new SequenceModelOptions
            {
                Task = SequenceTask.Tagging, VocabularySize = vocabulary.Count, OutputSize = tagNames.Length, CharacterVocabularySize = characters?.Count ?? 0,
                CharacterEmbeddingSize = defaults.CharacterEmbeddingSize, CharacterFilters = defaults.CharacterFilters, EmbeddingSize = defaults.EmbeddingSize,
            }, defaults),
            RecurrentTraining.Create(defaults, hasValidation: true),
            RecurrentSequenceTaggingEstimator.Encode(rows, vocabulary, characters, tagNames, s.MaxSequenceLength),
            held is null ? null : RecurrentSequenceTaggingEstimator.Encode(held, vocabulary, characters, tagNames, s.MaxSequenceLength),
            (model, refit) => RecurrentSequenceTaggingEstimator.CreateTransformer(context, c.TokensColumnName, model, new TextSequencer(new WordTokenizer(), vocabulary, characters),
                tagNames, s.MaxSequenceLength, refit, trainData));
    }

    private static Prepared Forecasting(MLContext context, IDataView trainData, IDataView? validationData, RecurrentColumnInformation c, RecurrentExperimentSettings s)
    {
        var rows = RecurrentSeriesRegressionTrainer.ReadRows(trainData, c.SeriesColumnName, c.LabelColumnName, nameof(trainData));
        RequireRows(rows.Count, $"rows in '{c.SeriesColumnName}' and '{c.LabelColumnName}'", validationData is not null, nameof(trainData));
        var held = validationData is null ? null : RecurrentSeriesRegressionTrainer.ReadRows(validationData, c.SeriesColumnName, c.LabelColumnName, nameof(validationData));
        RequireValidationRows(held?.Count, $"rows in '{c.SeriesColumnName}' and '{c.LabelColumnName}'", nameof(validationData));
        if (held is null)
        {
            // The most recent windows are held out, as a forecaster meets the future: a shuffled split of overlapping
            // windows would validate on values the training windows contain.
            int count = Math.Clamp((int)Math.Round(rows.Count * s.EffectiveValidationFraction(RecurrentExperimentTask.Forecasting)), 1, rows.Count - 1);
            held = rows[^count..];
            rows = rows[..^count];
        }
        var (mean, std) = RecurrentSeriesRegressionTrainer.Statistics(rows);
        var defaults = new RecurrentSeriesRegressionTrainer.Options();
        return new Prepared(
            WithArchitecture(new SequenceModelOptions { Task = SequenceTask.Regression, InputFeatures = 1, OutputSize = 1, PredictChange = defaults.PredictChange }, defaults),
            RecurrentTraining.Create(defaults, hasValidation: true),
            RecurrentSeriesRegressionTrainer.Encode(rows, mean, std, s.MaxSequenceLength),
            RecurrentSeriesRegressionTrainer.Encode(held, mean, std, s.MaxSequenceLength),
            (model, refit) => RecurrentSeriesRegressionTrainer.CreateTransformer(context, c.SeriesColumnName, model, mean, std, s.MaxSequenceLength, refit, trainData,
                RecurrentSeriesRegressionTrainer.Profile(rows, s.MaxSequenceLength)));
    }

    // A trainer's default architecture in a model template, as the trainer itself builds its model.
    private static SequenceModelOptions WithArchitecture(SequenceModelOptions template, RecurrentTrainerOptionsBase d) => template with
    {
        Cell = d.Cell, HiddenSize = d.HiddenSize, NumLayers = d.NumLayers, Dropout = d.Dropout,
    };

    // Without validation data some rows are held out, so at least two are needed.
    internal static void RequireRows(int count, string what, bool hasValidation, string paramName)
    {
        int needed = hasValidation ? 1 : 2;
        if (count < needed)
        {
            throw new ArgumentException($"The training data has {count} {what}; an experiment needs at least {needed}{(hasValidation ? "" : " (some are held out for validation)")}.", paramName);
        }
    }

    internal static void RequireValidationRows(int? count, string what, string paramName)
    {
        if (count == 0)
        {
            throw new ArgumentException($"The validation data has no {what}; give at least one, or no validation data to hold out part of the training data.", paramName);
        }
    }

    // The training data's text-or-tokens kind decides the encoding, so the validation data must be of the same kind.
    private static IDataView RequireSameInput(IDataView trainData, IDataView validationData, string textColumn, bool tokenInput)
    {
        if (validationData.Schema.GetColumnOrNull(textColumn) is { } column && TokenColumn.IsKeyVector(validationData.Schema, textColumn) != tokenInput)
        {
            throw new ArgumentOutOfRangeException(nameof(validationData), $"Column '{textColumn}' has type {column.Type} in the validation data but {trainData.Schema[textColumn].Type} in the training data; give both as text or both as key-vector tokens.");
        }
        return validationData;
    }
}
