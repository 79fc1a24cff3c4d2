using System.Runtime.Intrinsics;

namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// Adam, exactly PyTorch's <c>torch.optim.Adam</c> (single-tensor CPU path, float32 per element):
/// <code>
/// g = g + wd p                                   (L2 weight decay, if any)
/// m = lerp(m, g, 1 - beta1)                      (= beta1 m + (1 - beta1) g)
/// v = beta2 v + (1 - beta2) g g
/// vmax = max(vmax, v)                            (AMSGrad only; then vmax replaces v below)
/// p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
/// </code>
/// </summary>
public class AdamOptimizer : Optimizer
{
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly float _epsilon;
    private readonly float[] _expAvg;
    private readonly float[] _expAvgSq;
    private readonly float[]? _maxExpAvgSq;
    private AdamVectorJob? _vectorJob;

    /// <summary>Creates the optimizer for a parameter buffer of <paramref name="parameterCount"/> elements.</summary>
    /// <param name="parameterCount">Length of the parameter and gradient buffers.</param>
    /// <param name="options">The hyper-parameters; null for PyTorch's defaults.</param>
    public AdamOptimizer(int parameterCount, AdamOptions? options = null)
        : base(parameterCount, (options ??= new AdamOptions()).LearningRate)
    {
        options.Validate();
        _beta1 = options.Beta1;
        _beta2 = options.Beta2;
        _epsilon = (float)options.Epsilon;
        WeightDecay = options.WeightDecay;
        _expAvg = AddStateBuffer("exp_avg");
        _expAvgSq = AddStateBuffer("exp_avg_sq");
        if (options.AmsGrad)
        {
            _maxExpAvgSq = AddStateBuffer("max_exp_avg_sq");
        }
    }

    /// <inheritdoc/>
    public override string Name => "Adam";

    /// <summary>The weight decay of the options.</summary>
    protected double WeightDecay { get; }

    /// <inheritdoc/>
    protected override void StepCore(Span<float> parameters, ReadOnlySpan<float> gradients, long stepNumber) =>
        AdamUpdate(parameters, gradients, stepNumber, (float)WeightDecay);

    /// <summary>The Adam update with <paramref name="l2"/> added to the gradient (0 for AdamW).</summary>
    /// <param name="parameters">The flat parameter buffer, updated in place.</param>
    /// <param name="gradients">The flat gradient buffer.</param>
    /// <param name="stepNumber">This step's number, counted from 1.</param>
    /// <param name="l2">The L2 coefficient added to the gradient.</param>
    protected void AdamUpdate(Span<float> parameters, ReadOnlySpan<float> gradients, long stepNumber, float l2)
    {
        // Scalars as PyTorch computes them: in Python double, cast to float when they meet a float tensor.
        double biasCorrection1 = 1 - Math.Pow(_beta1, stepNumber);
        double biasCorrection2 = 1 - Math.Pow(_beta2, stepNumber);
        float stepSize = (float)(LearningRate / biasCorrection1);
        float biasCorrection2Sqrt = (float)Math.Sqrt(biasCorrection2);
        float weight1 = (float)(1 - _beta1);
        float beta2 = (float)_beta2;
        float weight2 = (float)(1 - _beta2);
        int i = 0;
        if (_maxExpAvgSq is null && Vector256.IsHardwareAccelerated)
        {
            // The scalar loop below, 8 lanes at a time and on the engine's threads (bit-identical: see AdamVectorJob).
            i = (_vectorJob ??= new AdamVectorJob()).Run(parameters, gradients, _expAvg, _expAvgSq, weight1, beta2, weight2, l2,
                biasCorrection2Sqrt, _epsilon, stepSize);
        }
        for (; i < parameters.Length; i++)
        {
            float g = gradients[i];
            if (l2 != 0)
            {
                g += l2 * parameters[i];
            }
            float m = _expAvg[i];
            m += weight1 * (g - m); // torch.lerp with weight < 0.5
            _expAvg[i] = m;
            float v = _expAvgSq[i] * beta2 + weight2 * g * g;
            _expAvgSq[i] = v;
            if (_maxExpAvgSq is not null)
            {
                v = Math.Max(_maxExpAvgSq[i], v);
                _maxExpAvgSq[i] = v;
            }
            float denominator = MathF.Sqrt(v) / biasCorrection2Sqrt + _epsilon;
            parameters[i] += -stepSize * (m / denominator);
        }
    }
}
