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
        return new TrialSettings(cell, hidden, layers, bidirectional && template.Task != SequenceTask.LanguageModel,
            template.UsesTokens ? embedding : 0, layers > 1 ? dropout : 0f, optimizer, learningRate, batch, stream ? truncation : 0, clip);
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
