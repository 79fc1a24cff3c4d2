using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Text;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// How the text classifiers use <see cref="RecurrentTextClassificationOptionsBase.PretrainedLanguageModel"/> (ULMFiT):
/// the language model's tokenizer and vocabulary, its embedding and recurrent stack copied under a fresh head, and
/// fine-tuning with discriminative learning rates, gradual unfreezing and a slanted triangular schedule.
/// </summary>
internal static class PretrainedEncoder
{
    private const string Option = nameof(RecurrentTextClassificationOptionsBase.PretrainedLanguageModel);

    /// <summary>The pretrained language model's bundle, checked against the options and the input; null when none is set.</summary>
    /// <exception cref="ArgumentException">The transformer holds no text language model, its tokens do not match the options or the input, or character-aware words are asked for too.</exception>
    public static RecurrentModelFile? Resolve(RecurrentTextClassificationOptionsBase options, bool tokenInput)
    {
        if (options.PretrainedLanguageModel is not { } transformer)
        {
            return null;
        }
        if (options.CharacterAwareWords)
        {
            throw new ArgumentException($"{Option} gives the classifier the language model's encoder, which reads words only; set CharacterAwareWords = false (a language model has no character features to transfer).", nameof(options));
        }
        RecurrentModelFile bundle;
        try
        {
            bundle = RecurrentModels.FromTransformer(transformer);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{Option} holds no recurrent model: {e.Message}", nameof(options), e);
        }
        if (bundle.Model.Options.Task != SequenceTask.LanguageModel || bundle.Sequencer is null)
        {
            throw new ArgumentException($"{Option} holds a {bundle.Model.Options.Task} model{(bundle.Sequencer is null ? " without a vocabulary" : "")}; it must be a text language model (RecurrentLanguageModel).", nameof(options));
        }
        var kind = bundle.Sequencer.Tokenizer.Kind;
        bool wordModel = kind == TokenizerKind.Word;
        if (tokenInput && !wordModel)
        {
            throw new ArgumentException($"{Option} is a {kind} language model, but the text column holds word tokens (a key vector); pretrain with WordTokens = true.", nameof(options));
        }
        if (!tokenInput && wordModel != options.WordTokens)
        {
            throw new ArgumentException($"{Option} is a {kind} language model, but WordTokens is {options.WordTokens}: the classifier must read the tokens the language model was trained on. Set WordTokens = {wordModel}, or pretrain with WordTokens = {options.WordTokens}.", nameof(options));
        }
        return bundle;
    }

    /// <summary>
    /// A classifier whose encoder is a copy of the language model's (forward only: a language model has no reverse
    /// direction), with embedding rows for the task's own words after the language model's (<see cref="Sequencer"/>).
    /// </summary>
    public static SequenceModel CreateModel(RecurrentModelFile languageModel, TextSequencer sequencer, RecurrentTextClassificationOptionsBase options, int classes, int ngramBuckets) =>
        LanguageModelTransfer.CreateModel(languageModel.Model, SequenceTask.Classification, classes, options.Pooling, options.Seed, options.Dropout,
            sequencer.Vocabulary.Count, options.NgramEnsemble ? ngramBuckets : 0, options.NgramEnsemble);

    /// <summary>
    /// The trainer options with ULMFiT's fine-tuning added when a language model is set: per-group learning rates (÷2.6 per
    /// layer down), gradual unfreezing (one group per epoch from the head), and a slanted triangular schedule over the run.
    /// The embedding rows of the task's own words (after the language model's vocabulary) train with the head.
    /// </summary>
    public static TrainerOptions FineTune(RecurrentModelFile? languageModel, TrainerOptions trainer, int trainRows, FineTuningOptions? fineTuning, bool wordVectors)
    {
        if (languageModel is null)
        {
            return trainer;
        }
        if (wordVectors)
        {
            // Word vectors only: the copied rows stay as they are, everything else trains as without pretraining.
            return trainer with
            {
                FineTuning = (fineTuning ?? new FineTuningOptions { FrozenGroups = 1, GradualUnfreezing = false, LayerLearningRateDivisor = 1 })
                    with { PretrainedVocabularySize = languageModel.Model.Options.VocabularySize },
            };
        }
        long batches = (trainRows + (long)trainer.BatchSize - 1) / trainer.BatchSize;
        return trainer with
        {
            FineTuning = (fineTuning ?? new FineTuningOptions()) with { PretrainedVocabularySize = languageModel.Model.Options.VocabularySize },
            Schedule = new SlantedTriangularLRSchedule(Math.Max(1, batches * trainer.Epochs)),
        };
    }

    /// <summary>
    /// The tokenizer and vocabulary: with a language model, its tokenizer and its vocabulary followed by the training
    /// words it lacks (seen at least <c>MinTokenCount</c> times), so that no word of the training data is unknown to the
    /// classifier; without one, built from the training texts.
    /// </summary>
    public static TextSequencer Sequencer(RecurrentModelFile? languageModel, IEnumerable<string> texts, bool tokenInput, RecurrentTextClassificationOptionsBase options)
    {
        if (languageModel?.Sequencer is not { } pretrained)
        {
            return TextClassifierInput.BuildSequencer(texts, tokenInput, options.WordTokens, options.MinTokenCount, options.CharacterAwareWords);
        }
        var known = pretrained.Vocabulary;
        var own = Vocabulary.Build(texts.Select(t => tokenInput ? TokenColumn.Split(t) : pretrained.Tokenizer.Tokenize(t)),
            new VocabularyOptions { MinCount = options.MinTokenCount, SpecialTokens = SpecialTokens.None });
        var added = own.Tokens.Where(t => !known.Contains(t)).ToList();
        return added.Count == 0 ? pretrained
            : new TextSequencer(pretrained.Tokenizer, Vocabulary.FromTokens(known.Tokens.Skip(known.SpecialCount).Concat(added), known.SpecialTokens));
    }
}
