namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// AdamW, exactly PyTorch's <c>torch.optim.AdamW</c>: first <c>p = p (1 - lr wd)</c> (decoupled weight decay),
/// then the <see cref="AdamOptimizer"/> update without L2. Default weight decay 1e-2 (see <see cref="AdamOptions.ForAdamW"/>).
/// </summary>
public sealed class AdamWOptimizer : AdamOptimizer
{
    /// <summary>Creates the optimizer for a parameter buffer of <paramref name="parameterCount"/> elements.</summary>
    /// <param name="parameterCount">Length of the parameter and gradient buffers.</param>
    /// <param name="options">The hyper-parameters; null for AdamW's PyTorch defaults (<see cref="AdamOptions.ForAdamW"/>).</param>
    public AdamWOptimizer(int parameterCount, AdamOptions? options = null)
        : base(parameterCount, options ?? AdamOptions.ForAdamW())
    {
    }

    /// <inheritdoc/>
    public override string Name => "AdamW";

    /// <inheritdoc/>
    protected override void StepCore(Span<float> parameters, ReadOnlySpan<float> gradients, long stepNumber)
    {
        if (WeightDecay != 0)
        {
            float decay = (float)(1 - LearningRate * WeightDecay);
            for (int i = 0; i < parameters.Length; i++)
            {
                parameters[i] *= decay;
            }
        }
        AdamUpdate(parameters, gradients, stepNumber, 0f);
    }
}
