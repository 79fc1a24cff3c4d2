namespace Microsoft.ML.Recurrent.Training;

/// <summary>Options of <see cref="RmsPropOptimizer"/>; the defaults are PyTorch's <c>torch.optim.RMSprop</c> defaults.</summary>
public sealed class RmsPropOptions
{
    /// <summary>The learning rate. Default 1e-2. Allowed: >= 0 and a finite 32-bit float (at most 3.4e38).</summary>
    public double LearningRate { get; set; } = 1e-2;

    /// <summary>Smoothing constant of the squared-gradient average. Default 0.99. Allowed: [0, 1].</summary>
    public double Alpha { get; set; } = 0.99;

    /// <summary>Term added to the root of the average. Default 1e-8. Allowed: >= 0 and a finite 32-bit float (at most 3.4e38).</summary>
    public double Epsilon { get; set; } = 1e-8;

    /// <summary>L2 penalty added to the gradient. Default 0. Allowed: >= 0 and a finite 32-bit float (at most 3.4e38).</summary>
    public double WeightDecay { get; set; }

    /// <summary>Momentum factor. Default 0. Allowed: >= 0 and a finite 32-bit float (at most 3.4e38).</summary>
    public double Momentum { get; set; }

    /// <summary>Normalise by the estimated variance (subtract the squared mean gradient). Default false.</summary>
    public bool Centered { get; set; }

    internal void Validate()
    {
        OptionChecks.NonNegative(LearningRate, nameof(LearningRate));
        OptionChecks.ClosedUnitInterval(Alpha, nameof(Alpha));
        OptionChecks.NonNegative(Epsilon, nameof(Epsilon));
        OptionChecks.NonNegative(WeightDecay, nameof(WeightDecay));
        OptionChecks.NonNegative(Momentum, nameof(Momentum));
    }
}
