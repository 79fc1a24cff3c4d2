using System.Globalization;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.AutoML;

/// <summary>
/// One point of a <see cref="RecurrentSearchSpace"/>: the architecture and training settings of one trial.
/// </summary>
/// <param name="Cell">The recurrent cell.</param>
/// <param name="HiddenSize">Hidden size of every recurrent layer.</param>
/// <param name="NumLayers">Stacked recurrent layers.</param>
/// <param name="Bidirectional">Whether the layers run in both directions (never for a language model).</param>
/// <param name="EmbeddingSize">Width of the token embedding; 0 for numeric-input models.</param>
/// <param name="Dropout">Dropout between stacked layers; 0 with one layer.</param>
/// <param name="Optimizer">The optimizer.</param>
/// <param name="LearningRate">The learning rate.</param>
/// <param name="BatchSize">Sequences per mini-batch (parallel streams for a token stream).</param>
/// <param name="TruncationLength">Steps per truncated-BPTT chunk for token streams; 0 when training on separate sequences.</param>
/// <param name="ClipGradientNorm">Global gradient-norm clipping threshold.</param>
public sealed record TrialSettings(
    RecurrentCellKind Cell, int HiddenSize, int NumLayers, bool Bidirectional, int EmbeddingSize, float Dropout,
    OptimizerKind Optimizer, double LearningRate, int BatchSize, int TruncationLength, double ClipGradientNorm)
{
    /// <summary>
    /// Whether the n-gram part is a classifier of its own beside the recurrent one (<see cref="SequenceModelOptions.NgramEnsemble"/>):
    /// true makes an ensemble of the template's <see cref="SequenceModelOptions.NgramBuckets"/>; false leaves the recurrent
    /// classifier alone (or the template's wide n-gram part, when it has one that is not an ensemble); null keeps the
    /// template's. Used only when the template has n-gram buckets. Default null.
    /// </summary>
    public bool? NgramEnsemble { get; init; }

    /// <summary>
    /// Whether tokens are also read through their characters (<see cref="SequenceModelOptions.CharacterVocabularySize"/>):
    /// true keeps the template's character input, false drops it; null keeps the template's. Used only when the template
    /// reads characters. Default null.
    /// </summary>
    public bool? CharacterAwareWords { get; init; }

    /// <summary>Weight averaging's decay per mini-batch (<see cref="TrainerOptions.AveragingDecay"/>); 0 for none; null keeps the trainer template's. Default null.</summary>
    public double? AveragingDecay { get; init; }

    /// <summary>
    /// Scales every dropout of the trainer template's <see cref="TrainerOptions.Regularization"/> (embedding, input, hidden,
    /// output and weight dropout), each capped at 0.9; null (or 1) keeps them. Default null.
    /// </summary>
    public double? DropoutScale { get; init; }

    /// <summary>
    /// The model architecture of these settings: <paramref name="template"/> (task, vocabulary, outputs, input features,
    /// pooling) with the cell, sizes, layers, direction and dropout replaced, and the n-gram ensemble and character input
    /// where <see cref="NgramEnsemble"/> and <see cref="CharacterAwareWords"/> are set and the template has them.
    /// </summary>
    /// <param name="template">Supplies everything the search does not choose.</param>
    public SequenceModelOptions ToModelOptions(SequenceModelOptions template)
    {
        ArgumentNullException.ThrowIfNull(template);
        bool ensemble = template.UsesNgrams && (NgramEnsemble ?? template.NgramEnsemble);
        return template with
        {
            Cell = Cell,
            HiddenSize = HiddenSize,
            NumLayers = NumLayers,
            Bidirectional = Bidirectional,
            EmbeddingSize = template.UsesTokens && EmbeddingSize > 0 ? EmbeddingSize : template.EmbeddingSize,
            Dropout = NumLayers > 1 ? Dropout : 0f,
            NgramEnsemble = ensemble,
            NgramBuckets = ensemble || !template.NgramEnsemble ? template.NgramBuckets : 0,
            CharacterVocabularySize = CharacterAwareWords == false ? 0 : template.CharacterVocabularySize,
        };
    }

    /// <summary>The trainer options of these settings.</summary>
    /// <param name="epochs">Epochs to train.</param>
    /// <param name="seed">Seed of shuffling and dropout.</param>
    /// <param name="earlyStoppingPatience">Early-stopping patience, or null without validation data.</param>
    /// <param name="timeLimit">Wall-clock limit of the run, or null.</param>
    public TrainerOptions ToTrainerOptions(int epochs, int seed, int? earlyStoppingPatience, TimeSpan? timeLimit) =>
        ToTrainerOptions(null, epochs, seed, earlyStoppingPatience, timeLimit);

    /// <summary>
    /// The trainer options of these settings: <paramref name="template"/> (regularization, weight decay, schedules,
    /// weight averaging, class weights, ...) with the epochs, batch size, optimizer, learning rate, clipping,
    /// truncation length, patience, seed and time limit replaced, and the weight averaging and dropout where
    /// <see cref="AveragingDecay"/> and <see cref="DropoutScale"/> are set.
    /// </summary>
    /// <param name="template">Supplies everything the search does not choose; null for <see cref="TrainerOptions"/>'s defaults.</param>
    /// <param name="epochs">Epochs to train.</param>
    /// <param name="seed">Seed of shuffling and dropout.</param>
    /// <param name="earlyStoppingPatience">Early-stopping patience, or null without validation data.</param>
    /// <param name="timeLimit">Wall-clock limit of the run, or null.</param>
    public TrainerOptions ToTrainerOptions(TrainerOptions? template, int epochs, int seed, int? earlyStoppingPatience, TimeSpan? timeLimit) =>
        (template ?? new TrainerOptions()) with
        {
            Epochs = epochs,
            BatchSize = BatchSize,
            Optimizer = Optimizer,
            LearningRate = LearningRate,
            ClipGradientNorm = double.IsPositiveInfinity(ClipGradientNorm) ? null : ClipGradientNorm,
            TruncationLength = TruncationLength > 0 ? TruncationLength : 100,
            EarlyStoppingPatience = earlyStoppingPatience,
            Seed = seed,
            TimeLimit = timeLimit,
            AveragingDecay = AveragingDecay is double decay ? (decay > 0 ? decay : null) : template?.AveragingDecay,
            Regularization = ScaleDropout(template?.Regularization),
        };

    private RegularizationOptions? ScaleDropout(RegularizationOptions? r)
    {
        if (r is null || DropoutScale is not double scale || scale == 1)
        {
            return r;
        }
        float Scale(float p) => (float)Math.Min(0.9, Math.Round(p * scale, 3));
        return r with
        {
            EmbeddingDropout = Scale(r.EmbeddingDropout), InputDropout = Scale(r.InputDropout), HiddenDropout = Scale(r.HiddenDropout),
            OutputDropout = Scale(r.OutputDropout), WeightDropout = Scale(r.WeightDropout),
        };
    }

    /// <summary>
    /// The settings a model and trainer template already have (the experiment's first trial, so the search starts from
    /// them): the template's cell, sizes, layers, direction and dropout, and the trainer's optimizer, learning rate,
    /// batch size, clipping (no clipping is an infinite threshold), weight averaging and, for a token stream, truncation
    /// length; the n-gram ensemble and character input where the template has them (<see cref="NgramEnsemble"/>,
    /// <see cref="CharacterAwareWords"/>), and dropout as it is (<see cref="DropoutScale"/> 1).
    /// </summary>
    /// <param name="model">The model template.</param>
    /// <param name="trainer">The trainer template; null for <see cref="TrainerOptions"/>'s defaults.</param>
    /// <param name="stream">Whether the experiment reads one token stream (truncated BPTT).</param>
    public static TrialSettings FromTemplate(SequenceModelOptions model, TrainerOptions? trainer, bool stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        var t = trainer ?? new TrainerOptions();
        return new TrialSettings(model.Cell, model.HiddenSize, model.NumLayers, model.IsBidirectional && model.Task != SequenceTask.LanguageModel,
            model.UsesTokens ? model.EmbeddingSize : 0, model.NumLayers > 1 ? model.Dropout : 0f, t.Optimizer, t.LearningRate, t.BatchSize,
            stream ? t.TruncationLength : 0, t.ClipGradientNorm ?? double.PositiveInfinity)
        {
            NgramEnsemble = model.UsesNgrams ? model.NgramEnsemble : null,
            CharacterAwareWords = model.UsesCharacters ? true : null,
            AveragingDecay = t.AveragingDecay ?? 0,
            DropoutScale = 1,
        };
    }

    /// <summary>
    /// A compact one-line description, e.g. <c>Lstm h64x2 bi emb32 drop0.20 Adam lr3.0e-03 b32 clip5 ngrams chars ema0.99 dropx1.5</c>
    /// (the last four only where set: n-gram ensemble on or off, characters on or off, weight averaging, dropout scale).
    /// </summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Cell} h{HiddenSize}x{NumLayers}{(Bidirectional ? " bi" : "")}{(EmbeddingSize > 0 ? $" emb{EmbeddingSize}" : "")}{(NumLayers > 1 ? $" drop{Dropout:F2}" : "")} {Optimizer} lr{LearningRate:0.0e+00} b{BatchSize}{(TruncationLength > 0 ? $" bptt{TruncationLength}" : "")} clip{ClipGradientNorm:G3}{Extras()}");

    private string Extras() => string.Create(CultureInfo.InvariantCulture,
        $"{NgramEnsemble switch { true => " ngrams", false => " no-ngrams", _ => "" }}{CharacterAwareWords switch { true => " chars", false => " no-chars", _ => "" }}{(AveragingDecay is double d ? (d > 0 ? $" ema{d:G3}" : " no-ema") : "")}{(DropoutScale is double x && x != 1 ? $" dropx{x:G3}" : "")}");
}
