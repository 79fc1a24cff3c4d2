namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// All parameters of a model in one flat buffer, with one gradient buffer of the same length and
/// named, shaped views into both. Optimizers, zeroing, clipping and serialization loop over one array.
/// </summary>
/// <remarks>
/// Registering only counts: the value buffer is allocated once, at its final size, when it is first used (so building
/// a model of many tensors allocates its weights once), and the gradient buffer only when something first reads it
/// (training: a backward pass, zeroing, clipping, an optimizer step), so a model used for inference never holds one.
/// </remarks>
public sealed class ParameterSet
{
    private readonly List<string> _names = [];
    private readonly Dictionary<string, ParameterInfo> _byName = new(StringComparer.Ordinal);
    private int _count;
    private float[]? _values;
    private float[]? _gradients;

    /// <summary>The values of every parameter, one after the other in registration order.</summary>
    public float[] Values => _values ?? Create(ref _values);

    /// <summary>
    /// The gradients, laid out exactly like <see cref="Values"/>; created (zero) when first read, so a model that is
    /// never trained never allocates them.
    /// </summary>
    public float[] Gradients => _gradients ?? Create(ref _gradients);

    /// <summary>Total number of scalar parameters.</summary>
    public int Count => _count;

    /// <summary>Whether the gradient buffer exists (something has read <see cref="Gradients"/>).</summary>
    internal bool HasGradients => _gradients is not null;

    /// <summary>Parameter names in registration order (PyTorch's order for recurrent layers).</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Registers a new zero-initialised parameter and returns where it lives in the flat buffers.</summary>
    /// <param name="name">A unique name, e.g. <c>weight_ih_l0</c>.</param>
    /// <param name="shape">The tensor shape (row-major); every dimension at least 1.</param>
    /// <exception cref="ArgumentException">The name is empty or already registered, or a dimension is below 1.</exception>
    public ParameterInfo Add(string name, params int[] shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (_byName.ContainsKey(name))
        {
            throw new ArgumentException($"A parameter named '{name}' is already registered.", nameof(name));
        }
        long length = 1;
        foreach (int d in shape)
        {
            if (d < 1)
            {
                throw new ArgumentException($"Parameter '{name}' has shape [{string.Join(", ", shape)}]; every dimension must be at least 1.", nameof(shape));
            }
            length *= d;
        }
        if (length + _count > Array.MaxLength)
        {
            throw new ArgumentException($"Parameter '{name}' with {length} elements does not fit: at most {Array.MaxLength} parameters in all.", nameof(shape));
        }
        var info = new ParameterInfo(name, (int[])shape.Clone(), _count, (int)length);
        _count += (int)length;
        // Only when a buffer was used before this registration (rare): it grows, keeping its contents.
        if (_values is not null)
        {
            Array.Resize(ref _values, _count);
        }
        if (_gradients is not null)
        {
            Array.Resize(ref _gradients, _count);
        }
        _names.Add(name);
        _byName.Add(name, info);
        return info;
    }

    /// <summary>Whether a parameter of this name exists.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The location and shape of a parameter.</summary>
    /// <exception cref="KeyNotFoundException">No parameter has this name; the message lists the names that exist.</exception>
    public ParameterInfo GetInfo(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!_byName.TryGetValue(name, out var info))
        {
            throw new KeyNotFoundException($"No parameter named '{name}'. Parameters: {string.Join(", ", _names)}.");
        }
        return info;
    }

    /// <summary>The values of one parameter (a view into <see cref="Values"/>).</summary>
    public Span<float> GetValues(string name) => GetValues(GetInfo(name));

    /// <summary>The gradient of one parameter (a view into <see cref="Gradients"/>).</summary>
    public Span<float> GetGradients(string name) => GetGradients(GetInfo(name));

    /// <summary>The values of one parameter (a view into <see cref="Values"/>).</summary>
    public Span<float> GetValues(ParameterInfo info) => Values.AsSpan(info.Offset, info.Length);

    /// <summary>The gradient of one parameter (a view into <see cref="Gradients"/>).</summary>
    public Span<float> GetGradients(ParameterInfo info) => Gradients.AsSpan(info.Offset, info.Length);

    /// <summary>Sets every gradient to zero (once per training step; backward passes add into the gradients).</summary>
    public void ZeroGradients() => Array.Clear(Gradients);

    /// <summary>Copies values into a parameter, checking the element count against its shape.</summary>
    /// <exception cref="ArgumentException">The number of values differs from the parameter's size.</exception>
    public void SetValues(string name, ReadOnlySpan<float> values)
    {
        var info = GetInfo(name);
        if (values.Length != info.Length)
        {
            throw new ArgumentException(
                $"Parameter '{name}' has shape [{string.Join(", ", info.Shape)}] ({info.Length} values); received {values.Length} values.",
                nameof(values));
        }
        values.CopyTo(GetValues(info));
    }

    // A zero buffer of the registered size; of threads that race here, the first one's buffer is kept and returned to all.
    private float[] Create(ref float[]? buffer)
    {
        Interlocked.CompareExchange(ref buffer, new float[_count], null);
        return buffer!;
    }
}

/// <summary>Where a named parameter lives in the flat buffers of a <see cref="ParameterSet"/>.</summary>
/// <param name="Name">The parameter's name.</param>
/// <param name="Shape">Its row-major shape.</param>
/// <param name="Offset">Its first element in <see cref="ParameterSet.Values"/> and <see cref="ParameterSet.Gradients"/>.</param>
/// <param name="Length">Its number of elements.</param>
public sealed record ParameterInfo(string Name, int[] Shape, int Offset, int Length);
