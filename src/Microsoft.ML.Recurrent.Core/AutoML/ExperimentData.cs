using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.AutoML;

/// <summary>
/// The data of an experiment and its validation splits, for either kind of training: one split for a hold-out
/// validation set, k for k-fold cross-validation. Each split's training part is built when a run asks for it, so
/// k folds of a long stream never hold k copies of it at once.
/// </summary>
internal abstract class ExperimentData
{
    /// <summary>Folds of automatic cross-validation.</summary>
    public const int AutomaticFolds = 5;

    /// <summary>Automatic cross-validation is used below this many training sequences (and no validation data).</summary>
    public const int SmallExampleCount = 500;

    /// <summary>Automatic cross-validation is used below this many tokens of a stream (about 500 sequences of 40 tokens).</summary>
    public const int SmallTokenCount = 20_000;

    /// <summary>Whether the data is one token stream (truncated BPTT) rather than separate sequences.</summary>
    public abstract bool IsStream { get; }

    /// <summary>Validation splits: 1 for a hold-out set, k for k-fold cross-validation.</summary>
    public abstract int FoldCount { get; }

    /// <summary>Sequences (or tokens) in a split's training part, on average over the splits.</summary>
    public abstract long TrainSize { get; }

    /// <summary>Sequences (or tokens) in training + validation.</summary>
    public abstract long AllSize { get; }

    /// <summary>Trains on split <paramref name="fold"/>'s training part, validating on its held-out part.</summary>
    public abstract TrainingResult Fit(SequenceTrainer trainer, int fold, CancellationToken cancellationToken);

    /// <summary>The examples a split holds out, in input order; null for a token stream.</summary>
    public virtual IReadOnlyList<SequenceExample>? HeldOut(int fold) => null;

    /// <summary>Trains on everything, without validation.</summary>
    public abstract TrainingResult FitAll(SequenceTrainer trainer, CancellationToken cancellationToken);

    public static ExperimentData FromExamples(SequenceModelOptions template, IReadOnlyList<SequenceExample> train,
        IReadOnlyList<SequenceExample>? validation, int? folds, double validationFraction, int seed)
    {
        // A one-unit model of the template checks the data once, before any trial, with the trainer's own messages.
        var probe = new SequenceModel(template with { HiddenSize = 1, NumLayers = 1, Dropout = 0f, EmbeddingSize = 1 });
        probe.ValidateExamples(train, requireTargets: true, nameof(train));
        if (validation is { Count: > 0 })
        {
            RequireNoFolds(folds, nameof(validation));
            probe.ValidateExamples(validation, requireTargets: true, nameof(validation));
            return train.Count > 0 ? new Examples([.. train, .. validation], [[.. Enumerable.Range(train.Count, validation.Count)]])
                : throw new ArgumentException("The training set is empty; at least one example is needed.", nameof(train));
        }
        if (train.Count < 2)
        {
            throw new ArgumentException($"The training set has {train.Count} example(s); without validation data at least 2 are needed to hold some out.", nameof(train));
        }
        int k = folds ?? (train.Count < SmallExampleCount ? Math.Min(AutomaticFolds, train.Count) : 1);
        if (k > train.Count)
        {
            throw new ArgumentException($"The training set has {train.Count} examples; CrossValidationFolds = {k} needs at least {k} (one to validate on per fold).", nameof(train));
        }
        if (k > 1)
        {
            return new Examples(train, DealFolds(train, k, seed));
        }
        int held = Math.Clamp((int)Math.Round(train.Count * validationFraction), 1, train.Count - 1);
        return new Examples(train, [[.. Shuffle(train.Count, seed).Take(held).Order()]]);
    }

    /// <summary>
    /// The held-out indices of each of <paramref name="folds"/> folds, ascending: a seeded shuffle, stratified by class
    /// (sorted by label, which a stable sort does within the shuffle, then dealt round-robin), so that every fold has
    /// each class's share and the fold sizes differ by at most one. Labels are -1 outside classification: a plain deal.
    /// </summary>
    internal static int[][] DealFolds(IReadOnlyList<SequenceExample> examples, int folds, int seed)
    {
        var dealt = Shuffle(examples.Count, seed).OrderBy(i => examples[i].Label).ToArray();
        return [.. Enumerable.Range(0, folds).Select(f => dealt.Where((_, position) => position % folds == f).Order().ToArray())];
    }

    // A seeded shuffle of 0..count-1: deterministic, and independent of the input order's bias.
    private static int[] Shuffle(int count, int seed)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(order);
        return order;
    }

    public static ExperimentData FromStream(SequenceModelOptions template, int[] tokens, int[]? validationTokens,
        int? folds, double validationFraction, int largestBatch)
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
        int[] all = tokens;
        (int Start, int End)[] splits;
        if (validationTokens is { Length: > 0 })
        {
            RequireNoFolds(folds, nameof(validationTokens));
            if (validationTokens.Length < 2)
            {
                throw new ArgumentException($"validationTokens has {validationTokens.Length} id; at least 2 are needed, or pass null.", nameof(validationTokens));
            }
            all = [.. tokens, .. validationTokens];
            splits = [(tokens.Length, all.Length)];
        }
        else
        {
            int n = tokens.Length;
            int k = folds ?? (n is >= 2 * AutomaticFolds and < SmallTokenCount ? AutomaticFolds : 1);
            if (k == 1)
            {
                // The tail of the stream: a contiguous held-out text, as a language model will meet it.
                splits = [(n - Math.Max(2, (int)Math.Round(n * validationFraction)), n)];
            }
            else if (n / k < 2)
            {
                throw new ArgumentException($"tokens has {n} ids; CrossValidationFolds = {k} needs at least {2 * k} (two to validate on per fold).", nameof(tokens));
            }
            else
            {
                // Contiguous chunks, in order: each fold validates on a stretch of unseen text and trains on the rest.
                splits = [.. Enumerable.Range(0, k).Select(f => ((int)((long)f * n / k), (int)((long)(f + 1) * n / k)))];
            }
        }
        int shortest = splits.Min(s => all.Length - (s.End - s.Start));
        if (shortest < largestBatch + 1)
        {
            throw new ArgumentException($"The training stream has {shortest} ids after holding out validation; the search space's largest batch size ({largestBatch}) needs at least {largestBatch + 1}. Give more tokens or smaller BatchSizes.", nameof(tokens));
        }
        return new Stream(all, splits);
    }

    private static void RequireNoFolds(int? folds, string paramName)
    {
        if (folds > 1)
        {
            throw new ArgumentException($"CrossValidationFolds is {folds} and {paramName} was given; k-fold cross-validation makes its own validation folds from the training data. Pass no {paramName}, or set CrossValidationFolds to 1 or null.", paramName);
        }
    }

    // Every example, and for each split the ascending indices of its held-out examples.
    private sealed class Examples(IReadOnlyList<SequenceExample> all, int[][] heldOut) : ExperimentData
    {
        public override bool IsStream => false;

        public override int FoldCount => heldOut.Length;

        public override long TrainSize => all.Count - (heldOut.Sum(h => (long)h.Length) / heldOut.Length);

        public override long AllSize => all.Count;

        public override TrainingResult Fit(SequenceTrainer trainer, int fold, CancellationToken cancellationToken)
        {
            var held = new bool[all.Count];
            foreach (int i in heldOut[fold])
            {
                held[i] = true;
            }
            // Both parts keep the input order.
            var trainPart = Enumerable.Range(0, all.Count).Where(i => !held[i]).Select(i => all[i]).ToArray();
            return trainer.Fit(trainPart, HeldOut(fold), null, cancellationToken);
        }

        public override IReadOnlyList<SequenceExample> HeldOut(int fold) => [.. heldOut[fold].Select(i => all[i])];

        public override TrainingResult FitAll(SequenceTrainer trainer, CancellationToken cancellationToken) =>
            trainer.Fit(all, null, null, cancellationToken);
    }

    // The whole stream, and for each split the range it holds out.
    private sealed class Stream(int[] all, (int Start, int End)[] heldOut) : ExperimentData
    {
        public override bool IsStream => true;

        public override int FoldCount => heldOut.Length;

        public override long TrainSize => all.Length - (heldOut.Sum(h => (long)(h.End - h.Start)) / heldOut.Length);

        public override long AllSize => all.Length;

        public override TrainingResult Fit(SequenceTrainer trainer, int fold, CancellationToken cancellationToken)
        {
            // The text on either side of a middle fold is joined: one seam in the stream, as between the parallel streams.
            var (start, end) = heldOut[fold];
            return trainer.FitStream([.. all.AsSpan(0, start), .. all.AsSpan(end)], all[start..end], null, cancellationToken);
        }

        public override TrainingResult FitAll(SequenceTrainer trainer, CancellationToken cancellationToken) =>
            trainer.FitStream(all, null, null, cancellationToken);
    }
}
