using Microsoft.ML.Recurrent.AutoML;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Text;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

internal static partial class RecurrentExperimentTasks
{
    /// <summary>
    /// The text classifiers' experiment, started from exactly what the classifier trains by default: the same class-by-class
    /// hold-out (when the experiment holds out rather than cross-validates), the vocabulary of the training part, the
    /// n-gram ensemble (from its naive Bayes start, except under cross-validation), weight averaging, dropouts and
    /// patience, and the unknown word's embedding zeroed. The template also
    /// holds what the search may switch on: the n-gram buckets and the characters of the training words.
    /// </summary>
    private static Prepared Classifier(RecurrentTextClassificationOptionsBase defaults, List<(string Text, int Label)> rows, List<(string Text, int Label)>? held,
        int classes, bool tokenInput, RecurrentExperimentTask task, RecurrentExperimentSettings s,
        Func<SequenceModel, TextSequencer, TrainingResult?, DataProfile, RecurrentModelTransformer> createTransformer,
        Func<IReadOnlyList<TextClassifierTraining.Member>, RecurrentModelTransformer> createEnsemble)
    {
        var train = rows;
        if (held is null && HoldsOut(rows.Count, s))
        {
            (train, held) = ValidationSplit.Split(rows, s.EffectiveValidationFraction(task), s.Seed, r => r.Label);
        }
        // The naive Bayes start reads the training rows' labels, so only where they are exactly a trial's training rows
        // (a hold-out; cross-validation's folds would see their own held-out rows).
        bool naiveBayes = held is not null && defaults.NgramNaiveBayes;
        bool wordTokens = s.WordTokens ?? RecurrentDefaults.TextClassification.WordTokens;
        var sequencer = TextClassifierInput.BuildSequencer(train.Select(r => r.Text), tokenInput, wordTokens, defaults.MinTokenCount, characterAware: true);
        var encoded = RecurrentTextMulticlassTrainer.EncodeRows(sequencer, train, tokenInput, s.MaxSequenceLength);
        var template = new SequenceModelOptions
        {
            Task = SequenceTask.Classification, VocabularySize = sequencer.Vocabulary.Count, OutputSize = classes, Pooling = defaults.Pooling,
            EmbeddingSize = defaults.EmbeddingSize, Cell = defaults.Cell, HiddenSize = defaults.HiddenSize, NumLayers = defaults.NumLayers,
            Bidirectional = defaults.Bidirectional, Dropout = defaults.Dropout,
            CharacterVocabularySize = sequencer.Characters?.Count ?? 0, CharacterEmbeddingSize = defaults.CharacterEmbeddingSize, CharacterFilters = defaults.CharacterFilters,
            NgramBuckets = TextClassifierTraining.NgramBuckets(encoded), NgramEnsemble = true,
        };
        // The classifiers' training defaults, weight averaging included, as the classifiers themselves train.
        var trainer = RecurrentTraining.Create(defaults, hasValidation: true) with
        {
            AveragingDecay = defaults.AveragingDecay > 0 ? defaults.AveragingDecay : null,
            FreezeNgrams = naiveBayes && defaults.KeepNgramNaiveBayes, // a trial without the n-gram ensemble ignores it
        };
        var first = TrialSettings.FromTemplate(template, trainer, stream: false) with
        {
            NgramEnsemble = defaults.NgramEnsemble,
            CharacterAwareWords = sequencer.Characters is null ? null : defaults.CharacterAwareWords,
        };
        // A model that reads no characters is saved with a tokenizer that makes none.
        TextSequencer Used(SequenceModel model) => model.Options.UsesCharacters ? sequencer : new TextSequencer(sequencer.Tokenizer, sequencer.Vocabulary);
        DataProfile Profile(SequenceModel model) => TextClassifierInput.Profile(Used(model), rows.Select(r => r.Text), tokenInput, s.MaxSequenceLength);
        return new Prepared(template, trainer, encoded,
            held is null ? null : RecurrentTextMulticlassTrainer.EncodeRows(sequencer, held, tokenInput, s.MaxSequenceLength),
            (model, refit) => createTransformer(model, Used(model), refit, Profile(model)))
        {
            FirstTrial = first,
            CreateEnsemble = models => createEnsemble([.. models.Select(m => new TextClassifierTraining.Member(m, Used(m), Profile(m)))]),
            AutomaticEnsembleSize = TextClassifierTraining.MembersFor(rows.Sum(r => (long)TextClassifierInput.Encode(sequencer, r.Text, tokenInput, s.MaxSequenceLength).Length)),
            InitializeModel = model =>
            {
                TextClassifierInput.ZeroUnknownEmbedding(model, sequencer.Vocabulary);
                if (naiveBayes && model.Options.NgramEnsemble)
                {
                    model.InitializeNgramsWithNaiveBayes(encoded);
                }
            },
        };
    }

    // Whether the experiment holds rows out (rather than cross-validating), as RecurrentExperimentOptions.CrossValidationFolds decides.
    private static bool HoldsOut(int rows, RecurrentExperimentSettings s) =>
        s.CrossValidationFolds == 1 || (s.CrossValidationFolds is null && rows >= ExperimentData.SmallExampleCount);
}
