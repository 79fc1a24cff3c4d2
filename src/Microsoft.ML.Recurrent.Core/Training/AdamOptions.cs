namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// Options of <see cref="AdamOptimizer"/> and <see cref="AdamWOptimizer"/>; the defaults are PyTorch's
/// <c>torch.optim.Adam</c> defaults (use <see cref="ForAdamW"/> for <c>torch.optim.AdamW</c>'s).
/// </summary>
public sealed class AdamOptions
{
    /// <summary>The learning rate. Default 1e-3. Allowed: >= 0 and a finite 32-bit float (at most 3.4e38).</summary>
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>Decay rate of the first-moment average. Default 0.9. Allowed: [0, 1).</summary>
    public double Beta1 { get; set; } = 0.9;

    /// <summary>Decay rate of the second-moment average. Default 0.999. Allowed: [0, 1).</summary>
    public double Beta2 { get; set; } = 0.999;

    /// <summary>Term added to the bias-corrected <c>sqrt(v)</c>. Default 1e-8. Allowed: >= 0 and a finite 32-bit float (at most 3.4e38).</summary>
    public double Epsilon { get; set; } = 1e-8;

    /// <summary>
    /// Weight decay. Default 0 (Adam) or 1e-2 (<see cref="ForAdamW"/>). Adam adds it to the gradient (L2);
    /// AdamW multiplies the parameters by <c>1 - lr wd</c> first (decoupled). Allowed: >= 0 and a finite 32-bit float (at most 3.4e38).
    /// </summary>
    public double WeightDecay { get; set; }

    /// <summary>Use the maximum of all second moments so far (AMSGrad). Default false.</summary>
    public bool AmsGrad { get; set; }

    /// <summary>Options with <c>torch.optim.AdamW</c>'s defaults: as Adam's but <see cref="WeightDecay"/> = 1e-2.</summary>
    /// <returns>New options.</returns>
    public static AdamOptions ForAdamW() => new() { WeightDecay = 1e-2 };

    internal void Validate()
    {
        OptionChecks.NonNegative(LearningRate, nameof(LearningRate));
        OptionChecks.UnitInterval(Beta1, nameof(Beta1));
        OptionChecks.UnitInterval(Beta2, nameof(Beta2));
        OptionChecks.NonNegative(Epsilon, nameof(Epsilon));
        OptionChecks.NonNegative(WeightDecay, nameof(WeightDecay));
    }
}
