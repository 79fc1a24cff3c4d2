using System.Numerics.Tensors;

namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov and weight decay, exactly PyTorch's
/// <c>torch.optim.SGD</c>: <c>g = g + wd p</c>; <c>b = g</c> at the first step, else <c>b = momentum b + (1 - dampening) g</c>;
/// <c>g = g + momentum b</c> (Nesterov) or <c>g = b</c>; <c>p = p - lr g</c>.
/// </summary>
public sealed class SgdOptimizer : Optimizer
{
    private readonly float _momentum;
    private readonly float _dampeningComplement;
    private readonly float _weightDecay;
    private readonly bool _nesterov;
    private readonly float[]? _momentumBuffer;

    /// <summary>Creates the optimizer for a parameter buffer of <paramref name="parameterCount"/> elements.</summary>
    /// <param name="parameterCount">Length of the parameter and gradient buffers.</param>
    /// <param name="options">The hyper-parameters; null for PyTorch's defaults.</param>
    public SgdOptimizer(int parameterCount, SgdOptions? options = null)
        : base(parameterCount, (options ??= new SgdOptions()).LearningRate)
    {
        options.Validate();
        _momentum = (float)options.Momentum;
        _dampeningComplement = (float)(1 - options.Dampening);
        _weightDecay = (float)options.WeightDecay;
        _nesterov = options.Nesterov;
        if (options.Momentum != 0)
        {
            _momentumBuffer = AddStateBuffer("momentum_buffer");
        }
    }

    /// <inheritdoc/>
    public override string Name => "SGD";

    /// <inheritdoc/>
    protected override void StepCore(Span<float> parameters, ReadOnlySpan<float> gradients, long stepNumber)
    {
        float lr = (float)LearningRate;
        if (_momentumBuffer is null && _weightDecay == 0)
        {
            TensorPrimitives.MultiplyAdd(gradients, -lr, parameters, parameters);
            return;
        }
        for (int i = 0; i < parameters.Length; i++)
        {
            float g = gradients[i];
            if (_weightDecay != 0)
            {
                g += _weightDecay * parameters[i];
            }
            if (_momentumBuffer is not null)
            {
                // PyTorch's buffer is None before the first step and is then set to a clone of g.
                float b = stepNumber == 1 ? g : _momentumBuffer[i] * _momentum + _dampeningComplement * g;
                _momentumBuffer[i] = b;
                g = _nesterov ? g + _momentum * b : b;
            }
            parameters[i] += -lr * g;
        }
    }
}
