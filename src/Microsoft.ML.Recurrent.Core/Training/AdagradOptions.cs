namespace Microsoft.ML.Recurrent.Training;

/// <summary>Options of <see cref="AdagradOptimizer"/>; the defaults are PyTorch's <c>torch.optim.Adagrad</c> defaults.</summary>
public sealed class AdagradOptions
{
    /// <summary>The learning rate. Default 1e-2. Allowed: >= 0 and a finite 32-bit float (at most 3.4e38).</summary>
    public double LearningRate { get; set; } = 1e-2;

    /// <summary>Learning-rate decay: step t uses <c>lr / (1 + (t - 1) lrDecay)</c>. Default 0. Allowed: >= 0 and a finite 32-bit float (at most 3.4e38).</summary>
    public double LearningRateDecay { get; set; }

    /// <summary>L2 penalty added to the gradient. Default 0. Allowed: >= 0 and a finite 32-bit float (at most 3.4e38).</summary>
    public double WeightDecay { get; set; }

    /// <summary>The starting value of the sum of squared gradients. Default 0. Allowed: >= 0 and a finite 32-bit float (at most 3.4e38).</summary>
    public double InitialAccumulatorValue { get; set; }

    /// <summary>Term added to the root of the sum. Default 1e-10. Allowed: >= 0 and a finite 32-bit float (at most 3.4e38).</summary>
    public double Epsilon { get; set; } = 1e-10;

    internal void Validate()
    {
        OptionChecks.NonNegative(LearningRate, nameof(LearningRate));
        OptionChecks.NonNegative(LearningRateDecay, nameof(LearningRateDecay));
        OptionChecks.NonNegative(WeightDecay, nameof(WeightDecay));
        OptionChecks.NonNegative(InitialAccumulatorValue, nameof(InitialAccumulatorValue));
        OptionChecks.NonNegative(Epsilon, nameof(Epsilon));
    }
}
