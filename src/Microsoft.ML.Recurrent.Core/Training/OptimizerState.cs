using System.Text;

namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// A snapshot of an <see cref="Optimizer"/>: its step count, learning rate and named per-parameter buffers
/// (for example Adam's <c>exp_avg</c> and <c>exp_avg_sq</c>). Importing it into a fresh optimizer of the same
/// kind and size continues training bit-identically. <see cref="WriteTo"/> / <see cref="ReadFrom(Stream)"/> store it
/// in a checkpoint stream.
/// </summary>
public sealed class OptimizerState
{
    private const int FormatVersion = 1;
    private static readonly byte[] Magic = "RNNOPT"u8.ToArray();

    /// <summary>Creates a snapshot; the buffers are taken as given (not copied).</summary>
    /// <param name="optimizerName">The optimizer kind, for example <c>"Adam"</c>.</param>
    /// <param name="stepCount">Steps taken so far.</param>
    /// <param name="learningRate">The current learning rate.</param>
    /// <param name="buffers">Named state buffers, each as long as the parameter buffer.</param>
    public OptimizerState(string optimizerName, long stepCount, double learningRate, IReadOnlyDictionary<string, float[]> buffers)
    {
        ArgumentNullException.ThrowIfNull(optimizerName);
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentOutOfRangeException.ThrowIfNegative(stepCount);
        OptimizerName = optimizerName;
        StepCount = stepCount;
        LearningRate = learningRate;
        Buffers = buffers;
    }

    /// <summary>The optimizer kind that produced this state, for example <c>"Adam"</c>.</summary>
    public string OptimizerName { get; }

    /// <summary>The number of <see cref="Optimizer.Step"/> calls taken (PyTorch's <c>state['step']</c>).</summary>
    public long StepCount { get; }

    /// <summary>The learning rate at the time of the snapshot.</summary>
    public double LearningRate { get; }

    /// <summary>The named per-parameter buffers.</summary>
    public IReadOnlyDictionary<string, float[]> Buffers { get; }

    /// <summary>Writes the state in a small versioned little-endian binary format.</summary>
    /// <param name="stream">A writable stream; left open.</param>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(OptimizerName);
        writer.Write(StepCount);
        writer.Write(LearningRate);
        writer.Write(Buffers.Count);
        foreach (KeyValuePair<string, float[]> pair in Buffers.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            writer.Write(pair.Key);
            writer.Write(pair.Value.Length);
            foreach (float value in pair.Value)
            {
                writer.Write(value);
            }
        }
    }

    /// <summary>Reads a state written by <see cref="WriteTo"/>.</summary>
    /// <param name="stream">A readable stream positioned at the state; left open.</param>
    /// <returns>The state.</returns>
    /// <exception cref="InvalidDataException">
    /// The stream does not hold an optimizer state of a known version, or it is corrupt or truncated. Memory use is
    /// bounded by the bytes actually present, not by the lengths the data claims.
    /// </exception>
    public static OptimizerState ReadFrom(Stream stream) => ReadFrom(stream, int.MaxValue, int.MaxValue);

    /// <summary>As <see cref="ReadFrom(Stream)"/>, refusing more than <paramref name="maxBuffers"/> buffers or buffers longer than <paramref name="maxLength"/>.</summary>
    internal static OptimizerState ReadFrom(Stream stream, int maxBuffers, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            return ReadCore(stream, maxBuffers, maxLength);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The optimizer state is truncated.", e);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"Corrupt optimizer state: {e.Message}", e);
        }
    }

    private static OptimizerState ReadCore(Stream stream, int maxBuffers, int maxLength)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
        {
            throw new InvalidDataException("The stream does not start with an optimizer state (magic 'RNNOPT').");
        }
        int version = reader.ReadInt32();
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"Optimizer state format version {version} is not supported; expected {FormatVersion}.");
        }
        string name = reader.ReadString();
        long stepCount = reader.ReadInt64();
        double learningRate = reader.ReadDouble();
        int count = reader.ReadInt32();
        if (count < 0 || count > maxBuffers || stepCount < 0)
        {
            throw new InvalidDataException($"Corrupt optimizer state: {count} buffers (at most {maxBuffers} allowed), step count {stepCount}.");
        }
        var buffers = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (int b = 0; b < count; b++)
        {
            string key = reader.ReadString();
            int length = reader.ReadInt32();
            if (length < 0 || length > maxLength)
            {
                throw new InvalidDataException($"Corrupt optimizer state: buffer '{key}' claims {length} elements (at most {maxLength} allowed).");
            }
            if (!buffers.TryAdd(key, BoundedRead.Values<float>(stream, length)))
            {
                throw new InvalidDataException($"Corrupt optimizer state: buffer '{key}' appears twice.");
            }
        }
        return new OptimizerState(name, stepCount, learningRate, buffers);
    }
}
