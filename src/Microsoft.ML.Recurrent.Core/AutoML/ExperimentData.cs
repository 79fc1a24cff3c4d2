using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.AutoML;

/// <summary>The data of an experiment, split into a training part and a validation part, for either kind of training.</summary>
internal abstract class ExperimentData
{
    /// <summary>Whether the data is one token stream (truncated BPTT) rather than separate sequences.</summary>
    public abstract bool IsStream { get; }

    /// <summary>Sequences (or tokens) in the training part.</summary>
    public abstract long TrainSize { get; }

    /// <summary>Sequences (or tokens) in training + validation.</summary>
    public abstract long AllSize { get; }

    /// <summary>Trains on the training part with validation, or on everything without.</summary>
    public abstract TrainingResult Fit(SequenceTrainer trainer, bool allData, CancellationToken cancellationToken);

    public static ExperimentData FromExamples(SequenceModelOptions template, IReadOnlyList<SequenceExample> train,
        IReadOnlyList<SequenceExample>? validation, double validationFraction, int seed)
    {
        // A one-unit model of the template checks the data once, before any trial, with the trainer's own messages.
        var probe = new SequenceModel(template with { HiddenSize = 1, NumLayers = 1, Dropout = 0f, EmbeddingSize = 1 });
        probe.ValidateExamples(train, requireTargets: true, nameof(train));
        if (validation is { Count: > 0 })
        {
            probe.ValidateExamples(validation, requireTargets: true, nameof(validation));
            return train.Count > 0 ? new Examples(train, validation)
                : throw new ArgumentException("The training set is empty; at least one example is needed.", nameof(train));
        }
        if (train.Count < 2)
        {
            throw new ArgumentException($"The training set has {train.Count} example(s); without validation data at least 2 are needed to hold some out.", nameof(train));
        }
        // A seeded shuffle, then the first share is held out: deterministic, and independent of the input order's bias.
        var order = Enumerable.Range(0, train.Count).ToArray();
        new Random(seed).Shuffle(order);
        int held = Math.Clamp((int)Math.Round(train.Count * validationFraction), 1, train.Count - 1);
        var validationPart = order.Take(held).Order().Select(i => train[i]).ToArray();
        var trainPart = order.Skip(held).Order().Select(i => train[i]).ToArray();
        return new Examples(trainPart, validationPart, train);
    }

    public static ExperimentData FromStream(SequenceModelOptions template, int[] tokens, int[]? validationTokens,
        double validationFraction, int largestBatch)
    {
        foreach (var (stream, name) in new[] { (tokens, nameof(tokens)), (validationTokens, nameof(validationTokens)) })
        {
            if (stream is null)
            {
                continue;
            }
            int bad = Array.FindIndex(stream, t => (uint)t >= (uint)template.VocabularySize);
            if (bad >= 0)
            {
                throw new ArgumentException($"{name} has id {stream[bad]} at position {bad}; allowed ids are 0..{template.VocabularySize - 1}.", name);
            }
        }
        int[] train = tokens, held;
        if (validationTokens is { Length: > 0 })
        {
            if (validationTokens.Length < 2)
            {
                throw new ArgumentException($"validationTokens has {validationTokens.Length} id; at least 2 are needed, or pass null.", nameof(validationTokens));
            }
            held = validationTokens;
        }
        else
        {
            // The tail of the stream: a contiguous held-out text, as a language model will meet it.
            int count = Math.Max(2, (int)Math.Round(tokens.Length * validationFraction));
            train = tokens[..^count];
            held = tokens[^count..];
        }
        if (train.Length < largestBatch + 1)
        {
            throw new ArgumentException($"The training stream has {train.Length} ids after holding out validation; the search space's largest batch size ({largestBatch}) needs at least {largestBatch + 1}. Give more tokens or smaller BatchSizes.", nameof(tokens));
        }
        return new Stream(train, held, validationTokens is { Length: > 0 } ? [.. train, .. held] : tokens);
    }

    private sealed class Examples(IReadOnlyList<SequenceExample> train, IReadOnlyList<SequenceExample> validation,
        IReadOnlyList<SequenceExample>? all = null) : ExperimentData
    {
        private readonly IReadOnlyList<SequenceExample> _all = all ?? [.. train, .. validation];

        public override bool IsStream => false;

        public override long TrainSize => train.Count;

        public override long AllSize => _all.Count;

        public override TrainingResult Fit(SequenceTrainer trainer, bool allData, CancellationToken cancellationToken) =>
            allData ? trainer.Fit(_all, null, null, cancellationToken) : trainer.Fit(train, validation, null, cancellationToken);
    }

    private sealed class Stream(int[] train, int[] validation, int[] all) : ExperimentData
    {
        public override bool IsStream => true;

        public override long TrainSize => train.Length;

        public override long AllSize => all.Length;

        public override TrainingResult Fit(SequenceTrainer trainer, bool allData, CancellationToken cancellationToken) =>
            allData ? trainer.FitStream(all, null, null, cancellationToken) : trainer.FitStream(train, validation, null, cancellationToken);
    }
}
