namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// RMSprop, exactly PyTorch's <c>torch.optim.RMSprop</c>:
/// <code>
/// g = g + wd p
/// s = alpha s + (1 - alpha) g g
/// centered: a = lerp(a, g, 1 - alpha); d = sqrt(s - a a) + eps      otherwise d = sqrt(s) + eps
/// momentum > 0: b = momentum b + g / d; p = p - lr b                 otherwise p = p - lr g / d
/// </code>
/// </summary>
public sealed class RmsPropOptimizer : Optimizer
{
    private readonly float _alpha;
    private readonly float _alphaComplement;
    private readonly float _epsilon;
    private readonly float _weightDecay;
    private readonly float _momentum;
    private readonly float[] _squareAvg;
    private readonly float[]? _gradAvg;
    private readonly float[]? _momentumBuffer;

    /// <summary>Creates the optimizer for a parameter buffer of <paramref name="parameterCount"/> elements.</summary>
    /// <param name="parameterCount">Length of the parameter and gradient buffers.</param>
    /// <param name="options">The hyper-parameters; null for PyTorch's defaults.</param>
    public RmsPropOptimizer(int parameterCount, RmsPropOptions? options = null)
        : base(parameterCount, (options ??= new RmsPropOptions()).LearningRate)
    {
        options.Validate();
        _alpha = (float)options.Alpha;
        _alphaComplement = (float)(1 - options.Alpha);
        _epsilon = (float)options.Epsilon;
        _weightDecay = (float)options.WeightDecay;
        _momentum = (float)options.Momentum;
        _squareAvg = AddStateBuffer("square_avg");
        if (options.Momentum > 0)
        {
            _momentumBuffer = AddStateBuffer("momentum_buffer");
        }
        if (options.Centered)
        {
            _gradAvg = AddStateBuffer("grad_avg");
        }
    }

    /// <inheritdoc/>
    public override string Name => "RMSprop";

    /// <inheritdoc/>
    protected override void StepCore(Span<float> parameters, ReadOnlySpan<float> gradients, long stepNumber)
    {
        float lr = (float)LearningRate;
        for (int i = 0; i < parameters.Length; i++)
        {
            float g = gradients[i];
            if (_weightDecay != 0)
            {
                g += _weightDecay * parameters[i];
            }
            float s = _squareAvg[i] * _alpha + _alphaComplement * g * g;
            _squareAvg[i] = s;
            float avg;
            if (_gradAvg is not null)
            {
                float a = _gradAvg[i];
                // torch.lerp: weight < 0.5 interpolates from the start, otherwise from the end.
                a = _alphaComplement < 0.5f ? a + _alphaComplement * (g - a) : g - (g - a) * (1 - _alphaComplement);
                _gradAvg[i] = a;
                avg = MathF.Sqrt(s + -1f * a * a);
            }
            else
            {
                avg = MathF.Sqrt(s);
            }
            avg += _epsilon;
            if (_momentumBuffer is not null)
            {
                float b = _momentumBuffer[i] * _momentum + g / avg;
                _momentumBuffer[i] = b;
                parameters[i] += -lr * b;
            }
            else
            {
                parameters[i] += -lr * (g / avg);
            }
        }
    }
}
