using System.Diagnostics;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// Trains a <see cref="SequenceModel"/>: epochs over shuffled, length-bucketed mini-batches (or truncated BPTT
/// over one long token stream), gradient clipping, a learning-rate schedule, validation per epoch, early stopping
/// that restores the best weights, checkpoints that resume exactly, cancellation and progress reports.
/// The same seed and data give bit-identical losses and weights whatever <see cref="ComputeSettings.MaxThreads"/> is.
/// </summary>
public sealed partial class SequenceTrainer
{
    private readonly SequenceModel _model;
    private readonly ModelWorkspace _workspace;
    private readonly Optimizer _optimizer;
    private readonly int _trainedCount; // the parameters the optimizer steps: all but a kept n-gram part (FreezeNgrams)
    private readonly LearningRateDriver? _scheduler;
    private readonly ReduceLROnPlateau? _plateau;
    private readonly FineTuningPlan? _fineTuning;
    private readonly RandomSource _shuffleRandom;
    private readonly RandomSource _dropoutRandom;
    private readonly List<EpochSummary> _history = [];
    private readonly List<StepSummary> _stepHistory = [];

    // Position, so that a checkpoint can resume exactly where the run stopped.
    private int _epoch;                 // finished epochs
    private int _batchInEpoch;          // finished batches of the current epoch
    private long _step;                 // optimizer steps in all
    private ulong[] _epochStartRandom;  // shuffle state at the start of the current epoch (its batch plan)
    private double _epochLossSum;
    private long _epochLossWeight;
    private double _bestLoss = double.PositiveInfinity;
    private int _bestEpoch;
    private int _badEpochs;
    private float[]? _bestWeights;
    private bool _finished;

    /// <summary>Creates a trainer for a model (the model's weights are trained in place).</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="options">How to train; null for the defaults. Validated.</param>
    public SequenceTrainer(SequenceModel model, TrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Options = options ?? new TrainerOptions();
        Options.Validate();
        if (Options.ClassWeights is { } weights)
        {
            if (model.Options.Task is SequenceTask.Regression || weights.Length != model.Options.HeadOutputs
                || !Array.TrueForAll(weights, w => w >= 0 && float.IsFinite(w)))
            {
                throw new ArgumentException($"ClassWeights has {weights.Length} values; a {model.Options.Task} model with {model.Options.HeadOutputs} classes needs one finite, non-negative weight per class.", nameof(options));
            }
        }
        _model = model;
        _workspace = model.CreateWorkspace();
        _workspace.Regularization = Options.Regularization;
        _trainedCount = Options.FreezeNgrams && model.Options.NgramEnsemble ? model.NgramPartOffset : model.Parameters.Count;
        _optimizer = CreateOptimizer(_trainedCount, Options);
        if (Options.Schedule is { } schedule)
        {
            _scheduler = new LearningRateDriver(_optimizer, schedule);
        }
        if (Options.ReduceOnPlateau is { } plateau)
        {
            _plateau = new ReduceLROnPlateau(_optimizer, plateau);
        }
        if (Options.FineTuning is { } fineTuning)
        {
            _fineTuning = new FineTuningPlan(model, fineTuning);
        }
        _shuffleRandom = new RandomSource((ulong)(uint)Options.Seed * 2 + 1);
        _dropoutRandom = new RandomSource((ulong)(uint)Options.Seed * 2 + 2);
        _epochStartRandom = _shuffleRandom.GetState();
    }

    /// <summary>The options.</summary>
    public TrainerOptions Options { get; }

    /// <summary>The model being trained.</summary>
    public SequenceModel Model => _model;

    /// <summary>Optimizer steps taken so far (including those before a resumed checkpoint).</summary>
    public long Steps => _step;

    /// <summary>Finished epochs so far.</summary>
    public int CompletedEpochs => _epoch;

    /// <summary>
    /// Trains on labelled sequences for <see cref="TrainerOptions.Epochs"/> epochs (or until early stopping or a
    /// budget ends it). Continues from a loaded checkpoint when there is one.
    /// </summary>
    /// <param name="train">Training examples with targets; at least one.</param>
    /// <param name="validation">Validation examples for per-epoch metrics and early stopping; optional.</param>
    /// <param name="progress">Receives a report after every step and every epoch; optional.</param>
    /// <param name="cancellationToken">Cancels between steps with an <see cref="OperationCanceledException"/>; the trainer's state then still
    /// describes the last finished step, so <see cref="SaveCheckpoint(Stream)"/> can record it.</param>
    /// <exception cref="ArgumentException">The data is empty or does not fit the model.</exception>
    /// <exception cref="InvalidOperationException">
    /// Training diverged: the loss or the gradient norm is NaN or infinite, or a cross-entropy loss is above
    /// <see cref="MaxCrossEntropyLoss"/> (the weights are then those before that step); or an update made a weight NaN or
    /// infinite (the model is then unusable, and this trainer refuses to continue or save until a checkpoint is loaded).
    /// The message names the step, the values and what to change, usually a lower learning rate.
    /// </exception>
    public TrainingResult Fit(IReadOnlyList<SequenceExample> train, IReadOnlyList<SequenceExample>? validation = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0)
        {
            throw new ArgumentException("The training set is empty; at least one example is needed.", nameof(train));
        }
        _model.ValidateExamples(train, requireTargets: true, nameof(train));
        if (validation is not null)
        {
            _model.ValidateExamples(validation, requireTargets: true, nameof(validation));
        }
        RequireValidationFor(validation is { Count: > 0 }, nameof(validation));
        RequireNotDiverged();
        UseRaw();

        var clock = Stopwatch.StartNew();
        var order = new int[train.Count];
        var batches = new List<(int Start, int Count)>();
        var buffer = new SequenceExample[Options.BatchSize];
        bool budget = false;
        while (!_finished && _epoch < Options.Epochs && !budget)
        {
            // The epoch's plan is a function of the shuffle state at its start, so a resumed run rebuilds it exactly.
            _shuffleRandom.SetState(_epochStartRandom);
            PlanEpoch(train, order, batches);
            var epochClock = Stopwatch.StartNew();
            long epochTokens = 0;
            while (_batchInEpoch < batches.Count)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (start, count) = batches[_batchInEpoch];
                long tokens = 0;
                for (int i = 0; i < count; i++)
                {
                    buffer[i] = train[order[start + i]];
                    tokens += buffer[i].StepCount(_model.Options.InputFeatures);
                }
                TrainStep(buffer.AsSpan(0, count), default, default);
                epochTokens += tokens;
                budget = BudgetReached(clock);
                Report(progress, batches.Count, epochTokens, epochClock, clock, null);
                if (budget)
                {
                    break;
                }
            }
            // With weight averaging the averaged weights are validated (and kept as the best); training resumes from the raw ones.
            UseAverage();
            var evaluation = validation is { Count: > 0 } ? SequenceEvaluator.Evaluate(_model, _workspace, validation, Math.Max(64, Options.BatchSize), Options.MaxValidationItems) : null;
            if (evaluation is not null && StopsPerPart)
            {
                EndEnsembleEpoch(validation!, Options.EarlyStoppingPatience!.Value);
            }
            EndEpoch(evaluation, progress, batches.Count, epochClock, clock);
            UseRaw();
        }
        return Finish(clock, budget);
    }

    // One optimizer step on one mini-batch.
    private void TrainStep(ReadOnlySpan<SequenceExample> batch, ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> initialCell)
    {
        var parameters = _model.Parameters;
        parameters.ZeroGradients();
        var metrics = new MetricTotals();
        double loss = _model.ComputeLoss(_workspace, batch, backward: true, training: true, _dropoutRandom, initialHidden, initialCell,
            Options.ClassWeights, ref metrics);
        _fineTuning?.BeforeStep(parameters, _epoch);
        // A kept n-gram part (the last parameters) is outside the span: not clipped, counted, decayed nor averaged.
        var gradients = parameters.Gradients.AsSpan(0, _trainedCount);
        if (Options.ClipGradientValue is float clipValue)
        {
            GradientClipping.ClipByValue(gradients, clipValue);
        }
        double norm = Options.ClipGradientNorm is double maxNorm
            ? GradientClipping.ClipByGlobalNorm(gradients, maxNorm)
            : GradientClipping.GlobalNorm(gradients);
        CheckBeforeUpdate(loss, norm);
        _optimizer.Step(parameters.Values.AsSpan(0, _trainedCount), gradients);
        _fineTuning?.AfterStep(parameters, _epoch);
        CheckAfterUpdate(loss, norm);
        UpdateAverage();
        _step++;
        if (_scheduler is { Schedule.StepsPerBatch: true })
        {
            _scheduler.Step();
        }
        _batchInEpoch++;
        _stepHistory.Add(new StepSummary(_step, _epoch + 1, (float)loss, (float)_optimizer.LearningRate));
        long weight = Math.Max(1, metrics.Count);
        _epochLossSum += loss * weight;
        _epochLossWeight += weight;
    }

    private void EndEpoch(EvaluationResult? validation, IProgress<TrainingProgress>? progress, int batches, Stopwatch epochClock, Stopwatch clock)
    {
        double trainLoss = _epochLossWeight == 0 ? double.NaN : _epochLossSum / _epochLossWeight;
        _history.Add(new EpochSummary(_epoch + 1, trainLoss, _optimizer.LearningRate, validation));
        _epoch++;
        _batchInEpoch = 0;
        _epochLossSum = 0;
        _epochLossWeight = 0;
        _epochStartRandom = _shuffleRandom.GetState();
        if (_scheduler is { Schedule.StepsPerBatch: false })
        {
            _scheduler.Step();
        }
        if (validation is not null)
        {
            _plateau?.Step(validation.Loss);
            if (_partBest is not null)
            {
                // An n-gram ensemble's parts keep their best weights and stop on their own (EndEnsembleEpoch).
                _bestLoss = Math.Min(_bestLoss, validation.Loss);
            }
            else if (validation.Loss < _bestLoss)
            {
                _bestLoss = validation.Loss;
                _bestEpoch = _epoch;
                _badEpochs = 0;
                if (Options.EarlyStoppingPatience is not null)
                {
                    _bestWeights = (float[])_model.Parameters.Values.Clone();
                }
            }
            else if (Options.EarlyStoppingPatience is int patience && ++_badEpochs >= patience)
            {
                _finished = true;
            }
        }
        progress?.Report(new TrainingProgress
        {
            IsEpochEnd = true, Epoch = _epoch, Step = _step, BatchInEpoch = batches, BatchesPerEpoch = batches,
            Loss = trainLoss, LearningRate = _optimizer.LearningRate, Validation = validation,
            TokensPerSecond = 0, EstimatedTimeRemaining = Remaining(clock, batches),
        });
    }

    private TrainingResult Finish(Stopwatch clock, bool budget)
    {
        bool stoppedEarly = _finished;
        int bestEpoch = _epoch;
        if (_bestWeights is not null)
        {
            _bestWeights.CopyTo(_model.Parameters.Values, 0);
            bestEpoch = _bestEpoch;
        }
        else
        {
            // No validation: the run returns the averaged weights; the raw ones stay aside for a checkpoint or the next Fit.
            UseAverage();
        }
        return new TrainingResult
        {
            History = _history.ToArray(), StepHistory = _stepHistory.ToArray(), BestEpoch = bestEpoch, StoppedEarly = stoppedEarly,
            BudgetExhausted = budget, Steps = _step, Elapsed = clock.Elapsed,
        };
    }

    private void PlanEpoch(IReadOnlyList<SequenceExample> train, int[] order, List<(int Start, int Count)> batches)
    {
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        _shuffleRandom.Shuffle(order.AsSpan());
        int batchSize = Options.BatchSize;
        if (Options.BucketByLength)
        {
            // Sort windows of 20 batches by length: similar lengths share a batch, yet epochs stay shuffled.
            int window = batchSize * 20;
            int features = _model.Options.InputFeatures;
            for (int start = 0; start < order.Length; start += window)
            {
                int count = Math.Min(window, order.Length - start);
                Array.Sort(order, start, count, Comparer<int>.Create((a, b) =>
                {
                    int c = train[a].StepCount(features).CompareTo(train[b].StepCount(features));
                    return c != 0 ? c : a.CompareTo(b);
                }));
            }
        }
        batches.Clear();
        for (int start = 0; start < order.Length; start += batchSize)
        {
            batches.Add((start, Math.Min(batchSize, order.Length - start)));
        }
        if (Options.BucketByLength)
        {
            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(batches);
            _shuffleRandom.Shuffle(span);
        }
    }

    private bool BudgetReached(Stopwatch clock) =>
        (Options.MaxSteps is long maxSteps && _step >= maxSteps) || (Options.TimeLimit is TimeSpan limit && clock.Elapsed >= limit);

    private void Report(IProgress<TrainingProgress>? progress, int batches, long epochTokens, Stopwatch epochClock, Stopwatch clock, EvaluationResult? validation)
    {
        if (progress is null)
        {
            return;
        }
        progress.Report(new TrainingProgress
        {
            Epoch = _epoch + 1, Step = _step, BatchInEpoch = _batchInEpoch, BatchesPerEpoch = batches,
            Loss = _epochLossWeight == 0 ? double.NaN : _epochLossSum / _epochLossWeight,
            LearningRate = _optimizer.LearningRate,
            TokensPerSecond = epochTokens / Math.Max(1e-9, epochClock.Elapsed.TotalSeconds),
            EstimatedTimeRemaining = Remaining(clock, batches), Validation = validation,
        });
    }

    private TimeSpan Remaining(Stopwatch clock, int batchesPerEpoch)
    {
        long total = (long)Options.Epochs * batchesPerEpoch;
        if (Options.MaxSteps is long maxSteps)
        {
            total = Math.Min(total, maxSteps);
        }
        long done = Math.Max(1, _step);
        double seconds = clock.Elapsed.TotalSeconds / done * Math.Max(0, total - done);
        if (Options.TimeLimit is TimeSpan limit)
        {
            seconds = Math.Min(seconds, Math.Max(0, (limit - clock.Elapsed).TotalSeconds));
        }
        return TimeSpan.FromSeconds(seconds);
    }

    private void RequireValidationFor(bool hasValidation, string paramName)
    {
        if (!hasValidation && (Options.EarlyStoppingPatience is not null || Options.ReduceOnPlateau is not null))
        {
            throw new ArgumentException("EarlyStoppingPatience and ReduceOnPlateau need validation data; pass a non-empty validation set.", paramName);
        }
    }

    internal static Optimizer CreateOptimizer(int count, TrainerOptions o) => o.Optimizer switch
    {
        OptimizerKind.Adam => new AdamOptimizer(count, new AdamOptions { LearningRate = o.LearningRate, WeightDecay = o.WeightDecay }),
        OptimizerKind.AdamW => new AdamWOptimizer(count, new AdamOptions { LearningRate = o.LearningRate, WeightDecay = o.WeightDecay }),
        OptimizerKind.Sgd => new SgdOptimizer(count, new SgdOptions { LearningRate = o.LearningRate, Momentum = o.Momentum, Nesterov = o.Nesterov, WeightDecay = o.WeightDecay }),
        OptimizerKind.RmsProp => new RmsPropOptimizer(count, new RmsPropOptions { LearningRate = o.LearningRate, Momentum = o.Momentum, WeightDecay = o.WeightDecay }),
        _ => new AdagradOptimizer(count, new AdagradOptions { LearningRate = o.LearningRate, WeightDecay = o.WeightDecay }),
    };
}
