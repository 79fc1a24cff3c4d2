using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// Packed weights of one <see cref="RecurrentLayer"/> shared by the workspaces that run it one step at a time (a
/// decoder: one forward call per output token). Without it every call packs W_hh (and W_ih when projecting in blocks)
/// again: for a few rows that copy costs more than the product. The owner calls <see cref="Invalidate"/> whenever the
/// parameters may have changed (before every batch of a training loop); packing is the same function of the same weights,
/// so results are bit-identical with or without the cache. Not thread-safe: one cache per thread, like workspaces.
/// </summary>
internal sealed class WeightPackCache
{
    private readonly PackedMatrix[] _forwardHidden;
    private readonly PackedMatrix[] _forwardInput;
    private readonly PackedMatrix[] _backwardHidden;
    private readonly bool[] _fresh;

    internal WeightPackCache(RecurrentLayerOptions options)
    {
        int slots = options.NumLayers * options.NumDirections;
        _forwardHidden = New(slots);
        _forwardInput = New(slots);
        _backwardHidden = New(slots);
        _fresh = new bool[3 * slots];
    }

    /// <summary>Packs made so far (each a full copy of a weight matrix); for tests and profiling.</summary>
    internal long PackCount { get; private set; }

    /// <summary>Forgets every pack: the next use packs the (possibly changed) weights again.</summary>
    internal void Invalidate() => Array.Clear(_fresh);

    internal enum Kind
    {
        ForwardHidden,
        ForwardInput,
        BackwardHidden,
    }

    /// <summary>
    /// The packed op(B) of <paramref name="kind"/> for <paramref name="slot"/>: packed from <paramref name="b"/> on first
    /// use after <see cref="Invalidate"/>, then reused (with at least <paramref name="replicas"/> worker copies).
    /// </summary>
    internal PackedMatrix Get(Kind kind, int slot, bool transB, int k, int n, ReadOnlySpan<float> b, int ldb, int replicas)
    {
        var matrices = kind switch { Kind.ForwardHidden => _forwardHidden, Kind.ForwardInput => _forwardInput, _ => _backwardHidden };
        var matrix = matrices[slot];
        int index = (int)kind * matrices.Length + slot;
        if (!_fresh[index] || matrix.K != k || matrix.N != n || matrix.Level != Gemm.Level)
        {
            Gemm.Pack(transB, k, n, b, ldb, matrix, replicas);
            _fresh[index] = true;
            PackCount++;
        }
        else if (matrix.ReplicaCount < replicas)
        {
            matrix.ResetReplicas(replicas);
        }
        return matrix;
    }

    private static PackedMatrix[] New(int count)
    {
        var matrices = new PackedMatrix[count];
        for (int i = 0; i < count; i++)
        {
            matrices[i] = new PackedMatrix();
        }
        return matrices;
    }
}
