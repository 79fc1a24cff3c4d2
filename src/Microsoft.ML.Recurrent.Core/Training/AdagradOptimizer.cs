namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// Adagrad, exactly PyTorch's <c>torch.optim.Adagrad</c>:
/// <code>
/// g = g + wd p
/// clr = lr / (1 + (t - 1) lrDecay)
/// s = s + g g
/// p = p - clr g / (sqrt(s) + eps)
/// </code>
/// </summary>
public sealed class AdagradOptimizer : Optimizer
{
    private readonly double _learningRateDecay;
    private readonly float _weightDecay;
    private readonly float _epsilon;
    private readonly float[] _sum;

    /// <summary>Creates the optimizer for a parameter buffer of <paramref name="parameterCount"/> elements.</summary>
    /// <param name="parameterCount">Length of the parameter and gradient buffers.</param>
    /// <param name="options">The hyper-parameters; null for PyTorch's defaults.</param>
    public AdagradOptimizer(int parameterCount, AdagradOptions? options = null)
        : base(parameterCount, (options ??= new AdagradOptions()).LearningRate)
    {
        options.Validate();
        _learningRateDecay = options.LearningRateDecay;
        _weightDecay = (float)options.WeightDecay;
        _epsilon = (float)options.Epsilon;
        _sum = AddStateBuffer("sum", (float)options.InitialAccumulatorValue);
    }

    /// <inheritdoc/>
    public override string Name => "Adagrad";

    /// <inheritdoc/>
    protected override void StepCore(Span<float> parameters, ReadOnlySpan<float> gradients, long stepNumber)
    {
        float clr = (float)(LearningRate / (1 + (stepNumber - 1) * _learningRateDecay));
        for (int i = 0; i < parameters.Length; i++)
        {
            float g = gradients[i];
            if (_weightDecay != 0)
            {
                g += _weightDecay * parameters[i];
            }
            float s = _sum[i] + 1f * g * g;
            _sum[i] = s;
            parameters[i] += -clr * (g / (MathF.Sqrt(s) + _epsilon));
        }
    }
}
