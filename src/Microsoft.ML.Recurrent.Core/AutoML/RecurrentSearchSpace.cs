using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.AutoML;

/// <summary>
/// The settings a <see cref="RecurrentExperiment"/> may try. Every list is a set of choices sampled uniformly; the
/// learning rate is sampled log-uniformly from [<see cref="MinLearningRate"/>, <see cref="MaxLearningRate"/>] and
/// dropout uniformly from [0, <see cref="MaxDropout"/>] (used only with more than one layer).
/// Start from <see cref="ForTask"/> and change what you need with <c>with</c>.
/// </summary>
public sealed record RecurrentSearchSpace
{
    /// <summary>Recurrent cells. Default Lstm, Gru, RnnTanh (RnnRelu is allowed but diverges easily, so it is opt-in).</summary>
    public IReadOnlyList<RecurrentCellKind> Cells { get; init; } = [RecurrentCellKind.Lstm, RecurrentCellKind.Gru, RecurrentCellKind.RnnTanh];

    /// <summary>Hidden sizes. Default 32, 64, 128, 256; each allowed 1 to 8192.</summary>
    public IReadOnlyList<int> HiddenSizes { get; init; } = [32, 64, 128, 256];

    /// <summary>Numbers of stacked layers. Default 1, 2, 3; each allowed 1 to 16.</summary>
    public IReadOnlyList<int> NumLayers { get; init; } = [1, 2, 3];

    /// <summary>Directions. Default false, true (tagging: true, false; language model: false only, which is also the only value allowed).</summary>
    public IReadOnlyList<bool> Bidirectional { get; init; } = [false, true];

    /// <summary>Token-embedding widths (ignored for numeric input). Default 32, 64, 128; each allowed 1 to 8192.</summary>
    public IReadOnlyList<int> EmbeddingSizes { get; init; } = [32, 64, 128];

    /// <summary>Largest dropout between stacked layers; sampled uniformly from [0, MaxDropout]. Default 0.5; allowed [0, 0.9].</summary>
    public double MaxDropout { get; init; } = 0.5;

    /// <summary>Optimizers. Default Adam.</summary>
    public IReadOnlyList<OptimizerKind> Optimizers { get; init; } = [OptimizerKind.Adam];

    /// <summary>Smallest learning rate (log-uniform range). Default 3e-4; positive, at most <see cref="MaxLearningRate"/>.</summary>
    public double MinLearningRate { get; init; } = 3e-4;

    /// <summary>Largest learning rate (log-uniform range). Default 1e-2; positive and finite.</summary>
    public double MaxLearningRate { get; init; } = 1e-2;

    /// <summary>Mini-batch sizes (parallel streams for a token stream). Default 16, 32, 64; each allowed 1 to 65,536.</summary>
    public IReadOnlyList<int> BatchSizes { get; init; } = [16, 32, 64];

    /// <summary>Truncated-BPTT chunk lengths, used only for token streams. Default 35, 70; each allowed 1 to 100,000.</summary>
    public IReadOnlyList<int> TruncationLengths { get; init; } = [35, 70];

    /// <summary>Global gradient-norm clipping thresholds. Default 1, 5; each positive and finite.</summary>
    public IReadOnlyList<double> ClipGradientNorms { get; init; } = [1.0, 5.0];

    /// <summary>
    /// N-gram ensemble on or off (<see cref="TrialSettings.NgramEnsemble"/>), used only when the model template has
    /// n-gram buckets (the text classifiers' experiments). Default true, false.
    /// </summary>
    public IReadOnlyList<bool> NgramEnsemble { get; init; } = [true, false];

    /// <summary>
    /// Character input on or off (<see cref="TrialSettings.CharacterAwareWords"/>), used only when the model template reads
    /// characters (the text classifiers' and the tagger's experiments). Default true, false.
    /// </summary>
    public IReadOnlyList<bool> CharacterAwareWords { get; init; } = [true, false];

    /// <summary>Weight-averaging decays (<see cref="TrialSettings.AveragingDecay"/>; 0 for none). Default 0, 0.99; each allowed [0, 1).</summary>
    public IReadOnlyList<double> AveragingDecays { get; init; } = [0, 0.99];

    /// <summary>
    /// Factors on the trainer template's dropouts (<see cref="TrialSettings.DropoutScale"/>; no effect where it has none).
    /// Default 0.5, 1, 1.5; each allowed 0 to 10.
    /// </summary>
    public IReadOnlyList<double> DropoutScales { get; init; } = [0.5, 1, 1.5];

    /// <summary>
    /// With a first trial (<see cref="RecurrentExperimentOptions.IncludeTemplate"/>), the chance that a later trial draws
    /// a dimension afresh rather than keeping the first trial's value (kept only where the space holds it), so the search
    /// explores around the starting point; 1 samples every dimension from the whole space. Default 0.3; allowed (0, 1].
    /// </summary>
    public double ChangeProbability { get; init; } = 0.3;

    /// <summary>The default space for a task (see each property for the task-specific defaults).</summary>
    /// <param name="task">The task.</param>
    public static RecurrentSearchSpace ForTask(SequenceTask task) => task switch
    {
        SequenceTask.Tagging => new RecurrentSearchSpace { Bidirectional = [true, false] },
        SequenceTask.LanguageModel => new RecurrentSearchSpace { Bidirectional = [false], MinLearningRate = 1e-3, BatchSizes = [16, 32] },
        SequenceTask.Classification or SequenceTask.Regression => new RecurrentSearchSpace(),
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, "Task must be Classification, LanguageModel, Tagging or Regression."),
    };

    /// <summary>Throws an exception naming the first setting that is empty or out of its allowed range.</summary>
    /// <param name="task">The task the space is used for (a language model cannot be bidirectional).</param>
    public void Validate(SequenceTask task)
    {
        RequireChoices(Cells, nameof(Cells), c => Enum.IsDefined(c), "RnnTanh, RnnRelu, Lstm or Gru");
        RequireChoices(HiddenSizes, nameof(HiddenSizes), h => h is >= 1 and <= 8192, "1 to 8192");
        RequireChoices(NumLayers, nameof(NumLayers), n => n is >= 1 and <= 16, "1 to 16");
        RequireChoices(Bidirectional, nameof(Bidirectional), b => !(b && task == SequenceTask.LanguageModel),
            "false only for a language model, which predicts the next token and cannot see the future");
        RequireChoices(EmbeddingSizes, nameof(EmbeddingSizes), e => e is >= 1 and <= 8192, "1 to 8192");
        if (!(MaxDropout is >= 0 and <= 0.9))
        {
            throw OutOfRange(nameof(MaxDropout), MaxDropout, "MaxDropout must be in [0, 0.9].");
        }
        RequireChoices(Optimizers, nameof(Optimizers), o => Enum.IsDefined(o), "Adam, AdamW, Sgd, RmsProp or Adagrad");
        if (!(MinLearningRate > 0) || !(MaxLearningRate >= MinLearningRate) || double.IsInfinity(MaxLearningRate))
        {
            throw OutOfRange(nameof(MinLearningRate), $"[{MinLearningRate}, {MaxLearningRate}]",
                "The learning-rate range must satisfy 0 < MinLearningRate <= MaxLearningRate < infinity.");
        }
        RequireChoices(BatchSizes, nameof(BatchSizes), b => b is >= 1 and <= 65_536, "1 to 65,536");
        RequireChoices(TruncationLengths, nameof(TruncationLengths), t => t is >= 1 and <= 100_000, "1 to 100,000");
        RequireChoices(ClipGradientNorms, nameof(ClipGradientNorms), c => c > 0 && double.IsFinite(c), "positive finite numbers");
        RequireChoices(NgramEnsemble, nameof(NgramEnsemble), _ => true, "true or false");
        RequireChoices(CharacterAwareWords, nameof(CharacterAwareWords), _ => true, "true or false");
        RequireChoices(AveragingDecays, nameof(AveragingDecays), d => d is >= 0 and < 1, "in [0, 1)");
        RequireChoices(DropoutScales, nameof(DropoutScales), d => d is >= 0 and <= 10, "0 to 10");
        if (!(ChangeProbability is > 0 and <= 1))
        {
            throw OutOfRange(nameof(ChangeProbability), ChangeProbability, "ChangeProbability must be in (0, 1].");
        }
    }

    // Draws every dimension, used or not, in a fixed order: restricting one choice list never shifts the others.
    internal TrialSettings Sample(Random random, SequenceModelOptions template, bool stream)
    {
        var cell = Pick(Cells, random);
        int hidden = Pick(HiddenSizes, random);
        int layers = Pick(NumLayers, random);
        bool bidirectional = Pick(Bidirectional, random);
        int embedding = Pick(EmbeddingSizes, random);
        float dropout = (float)Math.Round(random.NextDouble() * MaxDropout, 2);
        var optimizer = Pick(Optimizers, random);
        double learningRate = Math.Exp(Math.Log(MinLearningRate) + random.NextDouble() * (Math.Log(MaxLearningRate) - Math.Log(MinLearningRate)));
        int batch = Pick(BatchSizes, random);
        int truncation = Pick(TruncationLengths, random);
        double clip = Pick(ClipGradientNorms, random);
        bool ngrams = Pick(NgramEnsemble, random);
        bool characters = Pick(CharacterAwareWords, random);
        double averaging = Pick(AveragingDecays, random);
        double dropoutScale = Pick(DropoutScales, random);
        return new TrialSettings(cell, hidden, layers, bidirectional && template.Task != SequenceTask.LanguageModel,
            template.UsesTokens ? embedding : 0, layers > 1 ? dropout : 0f, optimizer, learningRate, batch, stream ? truncation : 0, clip)
        {
            NgramEnsemble = template.UsesNgrams ? ngrams : null,
            CharacterAwareWords = template.UsesCharacters ? characters : null,
            AveragingDecay = averaging,
            DropoutScale = dropoutScale,
        };
    }

    // A sample near the first trial: a fresh sample (drawn as Sample draws it, so restricting a list shifts nothing),
    // then each dimension keeps the first trial's value with probability 1 - ChangeProbability where the space holds it.
    // When nothing changed, the fresh sample is the trial.
    internal TrialSettings SampleAround(Random random, TrialSettings start, SequenceModelOptions template, bool stream)
    {
        var s = Sample(random, template, stream);
        bool Keep<T>(T value, IReadOnlyList<T> choices) => random.NextDouble() >= ChangeProbability && choices.Contains(value);
        var cell = Keep(start.Cell, Cells) ? start.Cell : s.Cell;
        int hidden = Keep(start.HiddenSize, HiddenSizes) ? start.HiddenSize : s.HiddenSize;
        int layers = Keep(start.NumLayers, NumLayers) ? start.NumLayers : s.NumLayers;
        bool bidirectional = Keep(start.Bidirectional, Bidirectional) ? start.Bidirectional : s.Bidirectional;
        int embedding = Keep(start.EmbeddingSize, EmbeddingSizes) ? start.EmbeddingSize : s.EmbeddingSize;
        float freshDropout = (float)Math.Round(random.NextDouble() * MaxDropout, 2);
        float dropout = random.NextDouble() >= ChangeProbability && start.NumLayers > 1 && start.Dropout <= MaxDropout ? start.Dropout : freshDropout;
        var optimizer = Keep(start.Optimizer, Optimizers) ? start.Optimizer : s.Optimizer;
        bool keepRate = random.NextDouble() >= ChangeProbability && start.LearningRate >= MinLearningRate && start.LearningRate <= MaxLearningRate;
        int batch = Keep(start.BatchSize, BatchSizes) ? start.BatchSize : s.BatchSize;
        int truncation = Keep(start.TruncationLength, TruncationLengths) ? start.TruncationLength : s.TruncationLength;
        double clip = Keep(start.ClipGradientNorm, ClipGradientNorms) ? start.ClipGradientNorm : s.ClipGradientNorm;
        bool? ngrams = start.NgramEnsemble is bool n && Keep(n, NgramEnsemble) ? n : s.NgramEnsemble;
        bool? characters = start.CharacterAwareWords is bool c && Keep(c, CharacterAwareWords) ? c : s.CharacterAwareWords;
        double? averaging = start.AveragingDecay is double a && Keep(a, AveragingDecays) ? a : s.AveragingDecay;
        double? dropoutScale = start.DropoutScale is double d && Keep(d, DropoutScales) ? d : s.DropoutScale;
        var near = new TrialSettings(cell, hidden, layers, bidirectional && template.Task != SequenceTask.LanguageModel,
            template.UsesTokens ? embedding : 0, layers > 1 ? dropout : 0f, optimizer,
            keepRate ? start.LearningRate : s.LearningRate, batch, stream ? truncation : 0, clip)
        {
            NgramEnsemble = ngrams, CharacterAwareWords = characters, AveragingDecay = averaging, DropoutScale = dropoutScale,
        };
        return near == start ? s : near;
    }

    private static ArgumentOutOfRangeException OutOfRange(string name, object? value, string message) => new(name, value, message);

    private static T Pick<T>(IReadOnlyList<T> choices, Random random) => choices[random.Next(choices.Count)];

    private static void RequireChoices<T>(IReadOnlyList<T>? choices, string name, Func<T, bool> allowed, string what)
    {
        if (choices is null || choices.Count == 0)
        {
            throw new ArgumentException($"{name} is empty; give at least one choice.", name);
        }
        foreach (var choice in choices)
        {
            if (!allowed(choice))
            {
                throw OutOfRange(name, choice, $"{name} holds {choice}; allowed values are {what}.");
            }
        }
    }
}
