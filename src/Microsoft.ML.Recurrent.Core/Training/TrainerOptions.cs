using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Training;

/// <summary>How a <see cref="SequenceTrainer"/> trains. Every default is documented on its property.</summary>
public sealed record TrainerOptions
{
    /// <summary>Passes over the training data. Default 10; allowed 1 to 100,000.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Sequences per mini-batch (streams in parallel for <see cref="SequenceTrainer.FitStream"/>). Default 32; allowed 1 to 65,536.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>The optimizer. Default <see cref="OptimizerKind.Adam"/>.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>
    /// Learning rate. Default 0.001 (PyTorch's Adam default). The optimizer applies it as a 32-bit float, so it must be
    /// positive and stay so as a float: from 1.4e-45 to 3.4e38.
    /// </summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Weight decay (L2 for Adam/SGD/RMSprop/Adagrad, decoupled for AdamW). Default 0; allowed 0 to 3.4e38 (a finite float).</summary>
    public double WeightDecay { get; init; }

    /// <summary>Momentum for SGD and RMSprop. Default 0.</summary>
    public double Momentum { get; init; }

    /// <summary>Nesterov momentum for SGD (needs <see cref="Momentum"/> above 0). Default false.</summary>
    public bool Nesterov { get; init; }

    /// <summary>Clip the gradients by their global L2 norm to this value (PyTorch <c>clip_grad_norm_</c>); null for none. Default 5.</summary>
    public double? ClipGradientNorm { get; init; } = 5.0;

    /// <summary>Clip every gradient element to ±this value (PyTorch <c>clip_grad_value_</c>); null for none. Default null.</summary>
    public float? ClipGradientValue { get; init; }

    /// <summary>A learning-rate schedule stepped once per epoch (after every batch when its <see cref="LearningRateSchedule.StepsPerBatch"/> is true); null keeps the rate constant. Default null.</summary>
    public LearningRateSchedule? Schedule { get; init; }

    /// <summary>
    /// Fine-tune a pretrained encoder ULMFiT's way: discriminative learning rates per layer group and gradual unfreezing
    /// (<see cref="FineTuningOptions"/>); null trains every parameter at the one learning rate. Default null.
    /// </summary>
    public FineTuningOptions? FineTuning { get; init; }

    /// <summary>Reduce the learning rate when the validation loss plateaus (stepped once per epoch; needs validation data). Default null.</summary>
    public ReduceLROnPlateauOptions? ReduceOnPlateau { get; init; }

    /// <summary>Stop after this many epochs without a better validation loss and restore the best weights; null for none. Default null.</summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>Seed of the shuffling and of dropout. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>The AWD-LSTM regularisers (dropout of embeddings, locked dropout, DropConnect), training only; null for none. Default null.</summary>
    public RegularizationOptions? Regularization { get; init; }

    /// <summary>Per-class loss weights for classification and tagging (PyTorch's weighted mean); null for equal weights.</summary>
    public float[]? ClassWeights { get; init; }

    /// <summary>Group sequences of similar length into the same mini-batch (less padding work). Default true.</summary>
    public bool BucketByLength { get; init; } = true;

    /// <summary>Steps per truncated-BPTT chunk for <see cref="SequenceTrainer.FitStream"/>. Default 100; allowed 1 to 100,000.</summary>
    public int TruncationLength { get; init; } = 100;

    /// <summary>Stop after this many optimizer steps in all (a step budget); null for no limit.</summary>
    public long? MaxSteps { get; init; }

    /// <summary>Stop once training has run this long (checked after every step); null for no limit.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>Evaluate on the validation data at most this many sequences (streams: tokens) per epoch; null for all.</summary>
    public int? MaxValidationItems { get; init; }

    /// <summary>
    /// Weight averaging: an exponential moving average of the weights, avg = d·avg + (1 − d)·w after every optimizer step
    /// (the first step copies, as PyTorch's <c>AveragedModel</c> with <c>get_ema_multi_avg_fn</c>), with d = min(decay,
    /// (1 + t)/(10 + t)) at step t (TensorFlow's <c>ExponentialMovingAverage</c> with <c>num_updates</c>, so that a short
    /// run is not dominated by its first weights), is what validation
    /// evaluates, early stopping keeps and training returns; the optimizer goes on updating the raw weights. It smooths
    /// the noise of small mini-batches out of the weights a run ends with. Null for none (the raw weights). Default null;
    /// allowed (0, 1).
    /// </summary>
    public double? AveragingDecay { get; init; }

    /// <summary>
    /// An n-gram ensemble's n-gram part (<c>ngram.weight</c>, <c>ngram.bias</c>) keeps the weights it starts with, such as
    /// multinomial naive Bayes (<see cref="Models.SequenceModel.InitializeNgramsWithNaiveBayes"/>): the optimizer,
    /// gradient clipping and weight averaging cover only the parameters before it, so only the recurrent part trains
    /// (weight decay never moves the kept part, and the optimizer keeps no state for it). Early stopping and temperature
    /// scaling treat it as before (it keeps its own temperature). No effect on a model that is not an n-gram ensemble.
    /// Default false.
    /// </summary>
    public bool FreezeNgrams { get; init; }

    /// <summary>Throws an exception naming the first option out of its allowed range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Epochs, 1, nameof(Epochs));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Epochs, 100_000, nameof(Epochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BatchSize, 65_536, nameof(BatchSize));
        if (!Enum.IsDefined(Optimizer))
        {
            throw new ArgumentOutOfRangeException(nameof(Optimizer), Optimizer, "Optimizer must be Adam, AdamW, Sgd, RmsProp or Adagrad.");
        }
        if (!((float)LearningRate > 0 && LearningRate <= float.MaxValue))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate,
                $"LearningRate must be positive and a finite, non-zero 32-bit float (from {float.Epsilon} to {float.MaxValue}), since the optimizer applies it as a float; got {LearningRate}.");
        }
        if (!(WeightDecay >= 0 && WeightDecay <= float.MaxValue))
        {
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, $"WeightDecay must be 0 or more and a finite 32-bit float (at most {float.MaxValue}); got {WeightDecay}.");
        }
        if (!(Momentum >= 0 && Momentum < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, "Momentum must be in [0, 1).");
        }
        if (ClipGradientNorm is double norm && !(norm > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(ClipGradientNorm), norm, "ClipGradientNorm must be positive, or null for no clipping.");
        }
        if (ClipGradientValue is float value && !(value > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(ClipGradientValue), value, "ClipGradientValue must be positive, or null for no clipping.");
        }
        if (EarlyStoppingPatience is int patience)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(patience, 1, nameof(EarlyStoppingPatience));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(TruncationLength, 1, nameof(TruncationLength));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(TruncationLength, 100_000, nameof(TruncationLength));
        if (MaxSteps is long steps)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1L, nameof(MaxSteps));
        }
        if (AveragingDecay is double decay && !(decay > 0 && decay < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(AveragingDecay), decay, "AveragingDecay must be in (0, 1), or null for no weight averaging.");
        }
        Regularization?.Validate();
        FineTuning?.Validate();
        if (MaxValidationItems is int items)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(items, 1, nameof(MaxValidationItems));
        }
    }
}
