using System.Diagnostics;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Seq2Seq;

/// <summary>
/// Trains a <see cref="Seq2SeqModel"/> with teacher forcing, with the machinery of <see cref="SequenceTrainer"/>: the
/// optimizers of <see cref="TrainerOptions.Optimizer"/>, gradient clipping, a per-epoch learning-rate schedule or
/// reduce-on-plateau, length-bucketed shuffled batches, validation per epoch (and when a budget ends an epoch early), early
/// stopping, the best validated weights restored at the end, step and time budgets, progress and cancellation.
/// <see cref="TrainerOptions.ClassWeights"/> and <see cref="TrainerOptions.TruncationLength"/> do not apply.
/// </summary>
public sealed class Seq2SeqTrainer
{
    private readonly Seq2SeqModel _model;
    private readonly Optimizer _optimizer;
    private readonly LearningRateDriver? _scheduler;
    private readonly ReduceLROnPlateau? _plateau;
    private readonly RandomSource _random;
    private readonly float _labelSmoothing;
    private long _step;

    /// <summary>Creates a trainer (the model's weights are trained in place).</summary>
    /// <param name="model">The model.</param>
    /// <param name="options">How to train; null for the defaults. Validated.</param>
    /// <param name="labelSmoothing">PyTorch's <c>label_smoothing</c> of the cross-entropy, in [0, 1). Default 0.</param>
    public Seq2SeqTrainer(Seq2SeqModel model, TrainerOptions? options = null, float labelSmoothing = 0f)
    {
        ArgumentNullException.ThrowIfNull(model);
        Options = options ?? new TrainerOptions();
        Options.Validate();
        if (!(labelSmoothing >= 0f && labelSmoothing < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "labelSmoothing must be in [0, 1).");
        }
        _model = model;
        _labelSmoothing = labelSmoothing;
        _optimizer = SequenceTrainer.CreateOptimizer(model.Parameters.Count, Options);
        _scheduler = Options.Schedule is { } schedule ? new LearningRateDriver(_optimizer, schedule) : null;
        _plateau = Options.ReduceOnPlateau is { } plateau ? new ReduceLROnPlateau(_optimizer, plateau) : null;
        _random = new RandomSource((ulong)(uint)Options.Seed * 2 + 1);
    }

    /// <summary>The options.</summary>
    public TrainerOptions Options { get; }

    /// <summary>Optimizer steps taken so far.</summary>
    public long Steps => _step;

    /// <summary>Trains for <see cref="TrainerOptions.Epochs"/> epochs or until early stopping or a budget ends it.</summary>
    /// <param name="train">Training pairs; at least one.</param>
    /// <param name="validation">Validation pairs for per-epoch metrics, early stopping and keeping the best weights; optional.</param>
    /// <param name="progress">Receives a report after every step and every epoch; optional.</param>
    /// <param name="cancellationToken">Cancels between steps.</param>
    /// <returns>The history.</returns>
    /// <exception cref="ArgumentException">The data is empty or does not fit the model.</exception>
    /// <exception cref="InvalidOperationException">The loss or the gradient norm is not finite (lower the learning rate).</exception>
    public TrainingResult Fit(IReadOnlyList<Seq2SeqExample> train, IReadOnlyList<Seq2SeqExample>? validation = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0)
        {
            throw new ArgumentException("The training set is empty; at least one example is needed.", nameof(train));
        }
        foreach (var example in train)
        {
            _model.CheckExample(example, nameof(train));
        }
        bool validate = validation is { Count: > 0 };
        if (!validate && (Options.EarlyStoppingPatience is not null || Options.ReduceOnPlateau is not null))
        {
            throw new ArgumentException("EarlyStoppingPatience and ReduceOnPlateau need validation data; pass a non-empty validation set.", nameof(validation));
        }
        var clock = Stopwatch.StartNew();
        var history = new List<EpochSummary>();
        var parameters = _model.Parameters;
        float[]? best = null;
        double bestLoss = double.PositiveInfinity;
        int bestEpoch = 0, bad = 0;
        bool budget = false, stopped = false;
        for (int epoch = 1; epoch <= Options.Epochs && !budget && !stopped; epoch++)
        {
            var batches = Plan(train);
            var epochClock = Stopwatch.StartNew();
            double lossSum = 0;
            long tokens = 0;
            for (int i = 0; i < batches.Count && !budget; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = batches[i];
                parameters.ZeroGradients();
                double loss = _model.ComputeGradients(batch, _labelSmoothing);
                if (Options.ClipGradientValue is float clipValue)
                {
                    GradientClipping.ClipByValue(parameters.Gradients, clipValue);
                }
                double norm = Options.ClipGradientNorm is double maxNorm
                    ? GradientClipping.ClipByGlobalNorm(parameters.Gradients, maxNorm)
                    : GradientClipping.GlobalNorm(parameters.Gradients);
                if (!double.IsFinite(loss) || !double.IsFinite(norm))
                {
                    throw new InvalidOperationException($"Training diverged at step {_step + 1}: loss {loss}, gradient norm {norm}. Lower the learning rate or clip the gradients.");
                }
                _optimizer.Step(parameters.Values, parameters.Gradients);
                _step++;
                long count = batch.Sum(e => e.Target.Length + 1L);
                lossSum += loss * count;
                tokens += count;
                budget = (Options.MaxSteps is long maxSteps && _step >= maxSteps) || (Options.TimeLimit is TimeSpan limit && clock.Elapsed >= limit);
                progress?.Report(new TrainingProgress
                {
                    Epoch = epoch, Step = _step, BatchInEpoch = i + 1, BatchesPerEpoch = batches.Count, Loss = lossSum / tokens,
                    LearningRate = _optimizer.LearningRate, TokensPerSecond = tokens / Math.Max(1e-9, epochClock.Elapsed.TotalSeconds),
                });
            }
            var result = validate ? _model.Evaluate(validation!, Math.Max(64, Options.BatchSize)) : null;
            history.Add(new EpochSummary(epoch, tokens == 0 ? double.NaN : lossSum / tokens, _optimizer.LearningRate, result));
            progress?.Report(new TrainingProgress { IsEpochEnd = true, Epoch = epoch, Step = _step, Loss = lossSum / Math.Max(1, tokens), LearningRate = _optimizer.LearningRate, Validation = result });
            _scheduler?.Step();
            if (result is not null)
            {
                _plateau?.Step(result.Loss);
                if (result.Loss < bestLoss)
                {
                    (bestLoss, bestEpoch, bad) = (result.Loss, epoch, 0);
                    best = (float[])parameters.Values.Clone();
                }
                else if (Options.EarlyStoppingPatience is int patience && ++bad >= patience)
                {
                    stopped = true;
                }
            }
        }
        if (best is not null)
        {
            best.CopyTo(parameters.Values, 0);
        }
        return new TrainingResult { History = history, BestEpoch = bestEpoch, StoppedEarly = stopped, BudgetExhausted = budget, Steps = _step, Elapsed = clock.Elapsed };
    }

    // Shuffled, then sorted by length within windows of 50 batches, cut into batches, the batches shuffled.
    private List<Seq2SeqExample[]> Plan(IReadOnlyList<Seq2SeqExample> train)
    {
        var order = Enumerable.Range(0, train.Count).ToArray();
        _random.Shuffle(order.AsSpan());
        int size = Options.BatchSize;
        if (Options.BucketByLength)
        {
            int window = size * 50;
            for (int start = 0; start < order.Length; start += window)
            {
                int count = Math.Min(window, order.Length - start);
                Array.Sort(order, start, count, Comparer<int>.Create((a, b) =>
                {
                    int c = (train[a].Source.Length + train[a].Target.Length).CompareTo(train[b].Source.Length + train[b].Target.Length);
                    return c != 0 ? c : a.CompareTo(b);
                }));
            }
        }
        var batches = new List<Seq2SeqExample[]>();
        for (int start = 0; start < order.Length; start += size)
        {
            batches.Add([.. order.Skip(start).Take(size).Select(i => train[i])]);
        }
        if (Options.BucketByLength)
        {
            _random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(batches));
        }
        return batches;
    }
}
