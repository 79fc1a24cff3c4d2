namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// Base of the optimizers. All parameters of a model live in one flat float buffer and their gradients in
/// one flat buffer of the same length; <see cref="Step"/> updates the whole buffer with PyTorch's update rule.
/// </summary>
/// <remarks>
/// A training loop per step: zero the gradients, forward + backward (adding into the gradients), optionally
/// <see cref="GradientClipping.ClipByGlobalNorm"/>, then <see cref="Step"/>. A learning-rate schedule sets
/// <see cref="LearningRate"/> between steps. For checkpoints save <see cref="ExportState"/> beside the
/// parameters and restore with <see cref="ImportState"/> on a new optimizer built with the same options.
/// </remarks>
public abstract class Optimizer
{
    private readonly Dictionary<string, float[]> _buffers = new(StringComparer.Ordinal);
    private double _learningRate;

    /// <summary>Creates the optimizer for a parameter buffer of <paramref name="parameterCount"/> elements.</summary>
    /// <param name="parameterCount">Length of the parameter and gradient buffers (>= 0).</param>
    /// <param name="learningRate">The initial learning rate (>= 0, a finite float).</param>
    protected Optimizer(int parameterCount, double learningRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        ParameterCount = parameterCount;
        LearningRate = learningRate;
    }

    /// <summary>The optimizer kind stored in <see cref="OptimizerState.OptimizerName"/>, for example <c>"Adam"</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The length of the parameter and gradient buffers this optimizer updates.</summary>
    public int ParameterCount { get; }

    /// <summary>
    /// The learning rate of the next <see cref="Step"/> (PyTorch's <c>param_group['lr']</c>, kept in double as in
    /// Python); schedules set it. Allowed: >= 0 and at most <see cref="float.MaxValue"/>, since the update applies it as a float.
    /// </summary>
    public double LearningRate
    {
        get => _learningRate;
        set
        {
            OptionChecks.NonNegative(value, nameof(LearningRate));
            _learningRate = value;
        }
    }

    /// <summary>The number of <see cref="Step"/> calls so far (PyTorch's <c>state['step']</c>).</summary>
    public long StepCount { get; private set; }

    /// <summary>Applies one update to <paramref name="parameters"/> using <paramref name="gradients"/>.</summary>
    /// <param name="parameters">The flat parameter buffer, shape (ParameterCount), updated in place.</param>
    /// <param name="gradients">The flat gradient buffer, shape (ParameterCount); not modified.</param>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (parameters.Length != ParameterCount)
        {
            throw new ArgumentException(
                $"parameters has {parameters.Length} elements; this optimizer was built for {ParameterCount}.", nameof(parameters));
        }
        if (gradients.Length != ParameterCount)
        {
            throw new ArgumentException(
                $"gradients has {gradients.Length} elements; this optimizer was built for {ParameterCount}.", nameof(gradients));
        }
        StepCount++;
        StepCore(parameters, gradients, StepCount);
    }

    /// <summary>Copies the step count, learning rate and every state buffer into a new snapshot.</summary>
    /// <returns>A snapshot that shares no memory with this optimizer.</returns>
    public OptimizerState ExportState()
    {
        var copies = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, float[]> pair in _buffers)
        {
            copies[pair.Key] = (float[])pair.Value.Clone();
        }
        return new OptimizerState(Name, StepCount, LearningRate, copies);
    }

    /// <summary>Restores a snapshot taken from an optimizer of the same kind and parameter count.</summary>
    /// <param name="state">The snapshot; its buffers are copied.</param>
    /// <exception cref="ArgumentException">The kind, the buffer names or the buffer lengths differ, or the learning rate is out of range; nothing is changed then.</exception>
    public void ImportState(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (StateProblem(state) is { } problem)
        {
            throw new ArgumentException(problem, nameof(state));
        }
        foreach (KeyValuePair<string, float[]> pair in _buffers)
        {
            state.Buffers[pair.Key].CopyTo(pair.Value, 0);
        }
        LearningRate = state.LearningRate;
        StepCount = state.StepCount;
    }

    /// <summary>Why <paramref name="state"/> cannot be imported, or null when <see cref="ImportState"/> will succeed.</summary>
    internal string? StateProblem(OptimizerState state)
    {
        if (state.OptimizerName != Name)
        {
            return $"The state is for optimizer '{state.OptimizerName}'; this one is '{Name}'.";
        }
        foreach (KeyValuePair<string, float[]> pair in _buffers)
        {
            if (!state.Buffers.TryGetValue(pair.Key, out float[]? source) || source.Length != pair.Value.Length)
            {
                return $"The state has no buffer '{pair.Key}' of length {pair.Value.Length}.";
            }
        }
        foreach (string key in state.Buffers.Keys)
        {
            if (!_buffers.ContainsKey(key))
            {
                return $"The state has buffer '{key}', which '{Name}' with these options does not use.";
            }
        }
        if (!(state.LearningRate >= 0 && state.LearningRate <= float.MaxValue))
        {
            return $"The state's learning rate is {state.LearningRate}; allowed: >= 0 and at most {float.MaxValue}.";
        }
        return null;
    }

    /// <summary>The number of state buffers this optimizer keeps.</summary>
    internal int StateBufferCount => _buffers.Count;

    /// <summary>Registers a state buffer of <see cref="ParameterCount"/> elements, exported under <paramref name="name"/>.</summary>
    /// <param name="name">The buffer name (PyTorch's state key, for example <c>"exp_avg"</c>).</param>
    /// <param name="initialValue">The value every element starts with.</param>
    /// <returns>The buffer, owned by this optimizer.</returns>
    protected float[] AddStateBuffer(string name, float initialValue = 0f)
    {
        var buffer = new float[ParameterCount];
        if (initialValue != 0f)
        {
            Array.Fill(buffer, initialValue);
        }
        _buffers.Add(name, buffer);
        return buffer;
    }

    /// <summary>The update rule; <paramref name="stepNumber"/> is the 1-based number of this step.</summary>
    /// <param name="parameters">The flat parameter buffer, updated in place.</param>
    /// <param name="gradients">The flat gradient buffer.</param>
    /// <param name="stepNumber">This step's number, counted from 1.</param>
    protected abstract void StepCore(Span<float> parameters, ReadOnlySpan<float> gradients, long stepNumber);
}
