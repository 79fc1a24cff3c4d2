namespace Microsoft.ML.Recurrent.Training;

/// <summary>Options of <see cref="SgdOptimizer"/>; the defaults are PyTorch's <c>torch.optim.SGD</c> defaults.</summary>
public sealed class SgdOptions
{
    /// <summary>The learning rate. Default 1e-3. Allowed: >= 0 and a finite 32-bit float (at most 3.4e38).</summary>
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>The momentum factor. Default 0 (plain SGD). Allowed: >= 0 and a finite 32-bit float (at most 3.4e38).</summary>
    public double Momentum { get; set; }

    /// <summary>Dampening of the momentum. Default 0. Allowed: [0, 1]; must be 0 with <see cref="Nesterov"/>.</summary>
    public double Dampening { get; set; }

    /// <summary>L2 penalty added to the gradient (<c>g + wd * p</c>). Default 0. Allowed: >= 0 and a finite 32-bit float (at most 3.4e38).</summary>
    public double WeightDecay { get; set; }

    /// <summary>Nesterov momentum. Default false. Requires <see cref="Momentum"/> > 0 and <see cref="Dampening"/> = 0.</summary>
    public bool Nesterov { get; set; }

    internal void Validate()
    {
        OptionChecks.NonNegative(LearningRate, nameof(LearningRate));
        OptionChecks.NonNegative(Momentum, nameof(Momentum));
        OptionChecks.ClosedUnitInterval(Dampening, nameof(Dampening));
        OptionChecks.NonNegative(WeightDecay, nameof(WeightDecay));
        if (Nesterov && (Momentum <= 0 || Dampening != 0))
        {
            throw new ArgumentOutOfRangeException(nameof(Nesterov), Nesterov,
                $"Nesterov momentum requires Momentum > 0 and Dampening = 0; got Momentum {Momentum}, Dampening {Dampening}.");
        }
    }
}
