using System.Diagnostics;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Seq2Seq;

/// <summary>
/// Trains a <see cref="Seq2SeqModel"/> with teacher forcing, with the machinery of <see cref="SequenceTrainer"/>: the
/// optimizers of <see cref="TrainerOptions.Optimizer"/>, gradient clipping, a learning-rate schedule stepped per epoch or per
/// batch (<see cref="LearningRateSchedule.StepsPerBatch"/>) or reduce-on-plateau, length-bucketed shuffled batches,
/// validation per epoch (and when a budget ends an epoch early), early stopping, the best validated weights restored at the
/// end, step and time budgets, progress, cancellation and checkpoints that resume exactly (<c>SaveCheckpoint</c>,
/// <c>LoadCheckpoint</c>). <see cref="TrainerOptions.ClassWeights"/> and <see cref="TrainerOptions.TruncationLength"/> do not apply.
/// </summary>
public sealed partial class Seq2SeqTrainer
{
    private readonly Seq2SeqModel _model;
    private readonly Optimizer _optimizer;
    private readonly LearningRateDriver? _scheduler;
    private readonly ReduceLROnPlateau? _plateau;
    private readonly RandomSource _random;
    private readonly float _labelSmoothing;
    private readonly List<EpochSummary> _history = [];

    // Where the run is; all of it goes into a checkpoint.
    private int _epoch;                 // finished epochs
    private int _batchInEpoch;          // finished batches of the current epoch
    private long _step;                 // optimizer steps in all
    private ulong[] _epochStartRandom;  // shuffle state at the start of the current epoch (its batch plan)
    private double _epochLossSum;       // token-weighted loss of the current epoch's finished batches
    private long _epochTokens;
    private double _bestLoss = double.PositiveInfinity;
    private int _bestEpoch;
    private int _badEpochs;
    private float[]? _bestWeights;
    private bool _finished;             // early stopping ended the run

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
        _epochStartRandom = _random.GetState();
    }

    /// <summary>The options.</summary>
    public TrainerOptions Options { get; }

    /// <summary>Optimizer steps taken so far (including those before a resumed checkpoint).</summary>
    public long Steps => _step;

    /// <summary>Finished epochs so far (including those before a resumed checkpoint).</summary>
    public int CompletedEpochs => _epoch;

    /// <summary>
    /// Trains for <see cref="TrainerOptions.Epochs"/> epochs or until early stopping or a budget ends it; continues from a
    /// loaded checkpoint (or a previous Fit that a budget or cancellation ended) when there is one.
    /// </summary>
    /// <param name="train">Training pairs; at least one.</param>
    /// <param name="validation">Validation pairs for per-epoch metrics, early stopping and keeping the best weights; optional.</param>
    /// <param name="progress">Receives a report after every step and every epoch; optional.</param>
    /// <param name="cancellationToken">Cancels between steps; the trainer then still describes the last finished step, so a
    /// checkpoint can record it.</param>
    /// <returns>The history (of the whole run, resumed epochs included).</returns>
    /// <exception cref="ArgumentException">The data is empty or does not fit the model.</exception>
    /// <exception cref="InvalidOperationException">The loss or the gradient norm is not finite (lower the learning rate); the weights are those before that step.</exception>
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
        bool budget = false;
        while (!_finished && _epoch < Options.Epochs && !budget)
        {
            // The epoch's plan is a function of the shuffle state at its start, so a resumed run rebuilds it exactly.
            _random.SetState(_epochStartRandom);
            var batches = Plan(train);
            var epochClock = Stopwatch.StartNew();
            long epochTokens = 0;
            while (_batchInEpoch < batches.Count && !budget)
            {
                cancellationToken.ThrowIfCancellationRequested();
                epochTokens += TrainStep(batches[_batchInEpoch]);
                budget = (Options.MaxSteps is long maxSteps && _step >= maxSteps) || (Options.TimeLimit is TimeSpan limit && clock.Elapsed >= limit);
                progress?.Report(new TrainingProgress
                {
                    Epoch = _epoch + 1, Step = _step, BatchInEpoch = _batchInEpoch, BatchesPerEpoch = batches.Count,
                    Loss = _epochLossSum / Math.Max(1, _epochTokens), LearningRate = _optimizer.LearningRate,
                    TokensPerSecond = epochTokens / Math.Max(1e-9, epochClock.Elapsed.TotalSeconds),
                });
            }
            EndEpoch(validate ? _model.Evaluate(Options.MaxValidationItems is int most && validation!.Count > most ? [.. validation.Take(most)] : validation!, Math.Max(64, Options.BatchSize)) : null, progress);
        }
        if (_bestWeights is not null)
        {
            _bestWeights.CopyTo(_model.Parameters.Values, 0);
        }
        return new TrainingResult
        {
            History = [.. _history], BestEpoch = _bestWeights is null ? _epoch : _bestEpoch, StoppedEarly = _finished,
            BudgetExhausted = budget, Steps = _step, Elapsed = clock.Elapsed,
        };
    }

    // One optimizer step; returns the batch's predicted tokens.
    private long TrainStep(Seq2SeqExample[] batch)
    {
        var parameters = _model.Parameters;
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
        _batchInEpoch++;
        if (_scheduler is { Schedule.StepsPerBatch: true })
        {
            _scheduler.Step();
        }
        long count = batch.Sum(e => e.Target.Length + 1L);
        _epochLossSum += loss * count;
        _epochTokens += count;
        return count;
    }

    private void EndEpoch(EvaluationResult? result, IProgress<TrainingProgress>? progress)
    {
        double trainLoss = _epochTokens == 0 ? double.NaN : _epochLossSum / _epochTokens;
        _history.Add(new EpochSummary(_epoch + 1, trainLoss, _optimizer.LearningRate, result));
        _epoch++;
        (_batchInEpoch, _epochLossSum, _epochTokens) = (0, 0, 0);
        _epochStartRandom = _random.GetState();
        progress?.Report(new TrainingProgress { IsEpochEnd = true, Epoch = _epoch, Step = _step, Loss = trainLoss, LearningRate = _optimizer.LearningRate, Validation = result });
        if (_scheduler is { Schedule.StepsPerBatch: false })
        {
            _scheduler.Step();
        }
        if (result is not null)
        {
            _plateau?.Step(result.Loss);
            if (result.Loss < _bestLoss)
            {
                (_bestLoss, _bestEpoch, _badEpochs) = (result.Loss, _epoch, 0);
                _bestWeights = (float[])_model.Parameters.Values.Clone();
            }
            else if (Options.EarlyStoppingPatience is int patience && ++_badEpochs >= patience)
            {
                _finished = true;
            }
        }
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
