using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Text;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// What both text classifiers do between reading the labelled rows and wrapping the model: the hold-out, the vocabulary,
/// the model, training with early stopping, calibration, and the refit on every row for the epochs the hold-out chose.
/// </summary>
internal static class TextClassifierTraining
{
    /// <summary>
    /// The fewest held-out rows worth stopping and calibrating on: below this (about 200 training rows at the default
    /// 0.1) a hold-out is too noisy to choose an epoch or a temperature (a few rows stop training after an epoch or two and
    /// calibrate every probability to about 0.5), so the classifier trains on every row for <c>Epochs</c> instead.
    /// </summary>
    public const int MinimumValidationRows = 20;

    /// <summary>A trained classifier, the tokenizer it reads with, its training record and the texts it was trained on.</summary>
    public sealed record Trained(SequenceModel Model, TextSequencer Sequencer, TrainingResult Result, List<string> Texts);

    /// <summary>With <c>EnsembleSize</c> 0: about one classifier's training time on this many tokens (<see cref="MembersFor"/>).</summary>
    internal const long EnsembleTokenBudget = 100_000;

    /// <summary>The most members <c>EnsembleSize</c> 0 chooses.</summary>
    internal const int MaxAutomaticMembers = 5;

    /// <summary>
    /// Trains the classifier <c>EnsembleSize</c> times (see <see cref="Fit"/>), member i with seed <c>Seed + i</c> and an even
    /// share of what is left of <c>TimeLimit</c>; with <c>EnsembleSize</c> 0, as many as <see cref="MembersFor"/> gives
    /// for the training rows' tokens. Member 0 is exactly the classifier one member would be, unless its share of the
    /// time limit stops it.
    /// </summary>
    public static List<Trained> FitMembers(RecurrentTextClassificationOptionsBase options, List<(string Text, int Label)> rows,
        List<(string Text, int Label)>? validationSet, bool tokenInput, int classes)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int count = options.EnsembleSize > 0 ? options.EnsembleSize : MembersFor(Tokens(options, rows, tokenInput));
        var members = new List<Trained>();
        for (int i = 0; i < count; i++)
        {
            TimeSpan? left = options.TimeLimit - clock.Elapsed;
            if (i > 0 && left <= TimeSpan.Zero)
            {
                break; // the time limit is spent: keep the members trained so far
            }
            var member = options.ForMember(unchecked(options.Seed + i), left / (count - i));
            members.Add(Fit(member, rows, validationSet, tokenInput, classes));
        }
        return members;
    }

    // The tokens every row gives the classifier (cut to the maximum length; unknown ones count): the tokenizer's, so any
    // vocabulary will do.
    private static long Tokens(RecurrentTextClassificationOptionsBase options, List<(string Text, int Label)> rows, bool tokenInput)
    {
        var sequencer = PretrainedEncoder.Sequencer(PretrainedEncoder.Resolve(options, tokenInput), rows.Select(r => r.Text), tokenInput, options);
        return rows.Sum(r => (long)TextClassifierInput.Encode(sequencer, r.Text, tokenInput, options.MaxSequenceLength).Length);
    }

    /// <summary>One model of a classifier to save: its weights, the tokenizer it reads with and its training data's profile.</summary>
    public sealed record Member(SequenceModel Model, TextSequencer Sequencer, DataProfile Profile);

    /// <summary>The trained members as saveable ones, each with the profile of its own training texts.</summary>
    public static List<Member> ToSave(List<Trained> members, bool tokenInput, int maxLength) =>
        [.. members.Select(m => new Member(m.Model, m.Sequencer, TextClassifierInput.Profile(m.Sequencer, m.Texts, tokenInput, maxLength)))];

    /// <summary>Fits the saveable chain over the members (one model, or an ensemble), each member's file with its own vocabulary and profile.</summary>
    public static RecurrentModelTransformer CreateTransformer(MLContext context, SavedModel.SavedModelLayout layout, IReadOnlyList<Member> members,
        IReadOnlyList<string> labelNames, int maxLength, TrainingResult? result, IDataView input)
    {
        var files = members.Select(m => SavedModel.SavedModelChain.Bundle(layout, m.Model, m.Sequencer, labelNames, maxLength, [.. m.Profile.ToNumbers()])).ToList();
        return SavedModel.SavedModelChain.Fit(context, layout, files, result, input);
    }

    /// <summary>
    /// <c>EnsembleSize</c> 0's choice: <see cref="EnsembleTokenBudget"/> / the training tokens, from 1 to
    /// <see cref="MaxAutomaticMembers"/> (so the ensemble trains about as long as one classifier of that many tokens).
    /// </summary>
    internal static int MembersFor(long trainingTokens) =>
        (int)Math.Clamp(EnsembleTokenBudget / Math.Max(1, trainingTokens), 1, MaxAutomaticMembers);

    /// <summary>
    /// Trains on <paramref name="rows"/>. With <paramref name="validationSet"/> it stops early and calibrates on it. Otherwise
    /// it holds out <c>ValidationFraction</c> class by class (when that gives at least <see cref="MinimumValidationRows"/>
    /// rows), stops early on it and calibrates on it; then, with <c>RefitOnAllRows</c>, trains a fresh model with the same
    /// seed on every row for the best epoch count and gives it the same temperature (an n-gram ensemble: the later of its
    /// parts' best epochs, and each part's temperature).
    /// </summary>
    public static Trained Fit(RecurrentTextClassificationOptionsBase options, List<(string Text, int Label)> rows,
        List<(string Text, int Label)>? validationSet, bool tokenInput, int classes)
    {
        var train = rows;
        var validation = validationSet ?? [];
        if (validationSet is null && (int)Math.Round(rows.Count * options.ValidationFraction) >= MinimumValidationRows)
        {
            (train, var held) = ValidationSplit.Split(rows, options.ValidationFraction, options.Seed, r => r.Label);
            validation = held ?? [];
        }
        var pretrained = PretrainedEncoder.Resolve(options, tokenInput);
        var first = TrainOnce(options, pretrained, train, validation, tokenInput, classes, options.Epochs, options.TimeLimit);
        (double Recurrent, double Ngrams) temperature = (1, 1);
        if (validation.Count > 0 && options.CalibrateProbabilities)
        {
            temperature = TemperatureScaling.CalibrateParts(first.Model, Encode(first.Sequencer, validation, tokenInput, options.MaxSequenceLength));
        }
        TimeSpan? left = options.TimeLimit - first.Result.Elapsed;
        if (!options.RefitOnAllRows || validationSet is not null || validation.Count == 0 || first.Result.BudgetExhausted || left <= TimeSpan.Zero)
        {
            return first;
        }
        var refit = TrainOnce(options, pretrained, rows, [], tokenInput, classes, Math.Max(1, first.Result.BestEpoch), left);
        TemperatureScaling.Apply(refit.Model, temperature.Recurrent, temperature.Ngrams);
        return refit;
    }

    private static Trained TrainOnce(RecurrentTextClassificationOptionsBase options, RecurrentModelFile? pretrained, List<(string Text, int Label)> train,
        List<(string Text, int Label)> validation, bool tokenInput, int classes, int epochs, TimeSpan? timeLimit)
    {
        var texts = train.Select(r => r.Text).ToList();
        var sequencer = PretrainedEncoder.Sequencer(pretrained, texts, tokenInput, options);
        var encoded = Encode(sequencer, train, tokenInput, options.MaxSequenceLength);
        bool wordVectors = pretrained is not null && options.PretrainedWordVectors;
        var model = pretrained is not null && !wordVectors ? PretrainedEncoder.CreateModel(pretrained, sequencer, options, classes, NgramBuckets(encoded)) : new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.Classification, VocabularySize = sequencer.Vocabulary.Count,
            EmbeddingSize = wordVectors ? pretrained!.Model.Options.HiddenSize : options.EmbeddingSize,
            Cell = options.Cell, HiddenSize = options.HiddenSize, NumLayers = options.NumLayers, Bidirectional = options.Bidirectional,
            Dropout = options.Dropout, Pooling = options.Pooling, CharacterVocabularySize = sequencer.Characters?.Count ?? 0,
            CharacterEmbeddingSize = options.CharacterEmbeddingSize, CharacterFilters = options.CharacterFilters, OutputSize = classes,
            NgramBuckets = options.WideNgrams || options.NgramEnsemble ? NgramBuckets(encoded) : 0, NgramEnsemble = options.NgramEnsemble,
        }, options.Seed);
        if (pretrained is null)
        {
            TextClassifierInput.ZeroUnknownEmbedding(model, sequencer.Vocabulary);
        }
        else if (wordVectors)
        {
            LanguageModelTransfer.CopyEmbedding(pretrained.Model, model, fromOutputLayer: true);
        }
        // The n-gram part owes nothing to pretraining: it starts from naive Bayes with or without a language model.
        if (options.NgramEnsemble && options.NgramNaiveBayes)
        {
            model.InitializeNgramsWithNaiveBayes(encoded);
        }
        var heldOut = validation.Count > 0 ? Encode(sequencer, validation, tokenInput, options.MaxSequenceLength) : null;
        var trainer = RecurrentTraining.Create(options, heldOut is not null) with
        {
            Epochs = epochs, TimeLimit = timeLimit, AveragingDecay = options.AveragingDecay > 0 ? options.AveragingDecay : null,
            FreezeNgrams = options.NgramEnsemble && options.NgramNaiveBayes && options.KeepNgramNaiveBayes,
        };
        var result = new SequenceTrainer(model, PretrainedEncoder.FineTune(pretrained, trainer, train.Count, options.FineTuning, wordVectors))
            .Fit(encoded, heldOut, options.Progress);
        return new Trained(model, sequencer, result, texts);
    }

    /// <summary>
    /// How many hash buckets the n-gram part has per distinct training n-gram (at least): at 8, one seen n-gram in 8 to 16
    /// shares its bucket with another, and an n-gram never seen in training (most of a test row's bigrams in another
    /// domain) falls in a trained bucket and adds its weight as rarely. At 2 (before) that was one in 3 to 5, and the
    /// collisions cost the n-gram part 1.5 points of accuracy on yelp → imdb and imdb → yelp; 32 measured the same as 8
    /// but made a model of 1,000 sentences load 80 ms slower and take 80–110 MB more in ML.NET (docs/sentiment.md).
    /// </summary>
    internal const int BucketsPerNgram = 8;

    /// <summary>
    /// Hash buckets of the wide n-gram part: the power of two at least <see cref="BucketsPerNgram"/> times the distinct
    /// unigrams and bigrams of the training rows, from 2^10 to 2^20 (at most 4 MB per class).
    /// </summary>
    internal static int NgramBuckets(List<SequenceExample> examples)
    {
        var seen = new HashSet<(int, int)>();
        foreach (var e in examples)
        {
            var t = e.Tokens!;
            for (int i = 0; i < t.Length; i++)
            {
                seen.Add((t[i], -1));
                if (i + 1 < t.Length)
                {
                    seen.Add((t[i], t[i + 1]));
                }
            }
        }
        int buckets = 1 << 10;
        while (buckets < (long)BucketsPerNgram * seen.Count && buckets < 1 << 20)
        {
            buckets <<= 1;
        }
        return buckets;
    }

    private static List<SequenceExample> Encode(TextSequencer sequencer, List<(string Text, int Label)> rows, bool tokenInput, int maxLength) =>
        RecurrentTextMulticlassTrainer.EncodeRows(sequencer, rows, tokenInput, maxLength);
}
