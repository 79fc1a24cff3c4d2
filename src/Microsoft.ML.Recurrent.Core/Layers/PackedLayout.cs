using System.Diagnostics;
using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// PyTorch's packed-sequence layout of a batch of variable-length sequences. Sequences are ranked by
/// length, longest first (stable for ties), so the sequences still active at step t are ranks
/// [0, Active[t]) and their rows for step t are contiguous: packed row = Offsets[t] + rank.
/// Padded steps get no row at all, so they are never read and never computed.
/// </summary>
internal sealed class PackedLayout
{
    private int[] _order = [];
    private int[] _rank = [];
    private int[] _lengths = [];
    private int[] _offsets = [];
    private int[] _active = [];

    /// <summary>Batch size (B).</summary>
    public int Batch { get; private set; }

    /// <summary>Padded length of the sequences (T).</summary>
    public int SequenceLength { get; private set; }

    /// <summary>Length of the longest sequence.</summary>
    public int MaxLength { get; private set; }

    /// <summary>Packed rows in all: the sum of the lengths (N).</summary>
    public int TotalRows { get; private set; }

    /// <summary>Original batch index of each rank. (B)</summary>
    public ReadOnlySpan<int> Order => _order.AsSpan(0, Batch);

    /// <summary>Rank of each original batch index. (B)</summary>
    public ReadOnlySpan<int> Rank => _rank.AsSpan(0, Batch);

    /// <summary>Valid length of each original batch index. (B)</summary>
    public ReadOnlySpan<int> Lengths => _lengths.AsSpan(0, Batch);

    /// <summary>First packed row of each step. (MaxLength)</summary>
    public ReadOnlySpan<int> Offsets => _offsets.AsSpan(0, MaxLength);

    /// <summary>Number of sequences active at each step. (MaxLength)</summary>
    public ReadOnlySpan<int> Active => _active.AsSpan(0, MaxLength);

    /// <summary>Lays out a batch; lengths must already be validated (1 &lt;= length &lt;= T).</summary>
    /// <exception cref="ArgumentException">The lengths sum to more rows than one array holds.</exception>
    public void Build(ReadOnlySpan<int> lengths, int sequenceLength)
    {
        int batch = lengths.Length;
        long total = 0;
        foreach (int len in lengths)
        {
            total += len;
        }
        if (total > Array.MaxLength)
        {
            throw new ArgumentException(
                $"The batch has {total} steps in all (the sum of its {batch} sequence lengths); at most {Array.MaxLength} (Array.MaxLength) fit in one buffer. Use fewer or shorter sequences per batch.",
                nameof(lengths));
        }
        EnsureCapacity(ref _order, batch);
        EnsureCapacity(ref _rank, batch);
        EnsureCapacity(ref _lengths, batch);
        EnsureCapacity(ref _offsets, sequenceLength);
        EnsureCapacity(ref _active, sequenceLength);
        Batch = batch;
        SequenceLength = sequenceLength;
        lengths.CopyTo(_lengths);

        // Stable insertion sort by length, descending: allocation-free and B is small.
        int maxLength = 0;
        for (int b = 0; b < batch; b++)
        {
            int len = lengths[b];
            Debug.Assert(len >= 1 && len <= sequenceLength);
            maxLength = Math.Max(maxLength, len);
            int r = b;
            while (r > 0 && _lengths[_order[r - 1]] < len)
            {
                _order[r] = _order[r - 1];
                r--;
            }
            _order[r] = b;
        }
        for (int r = 0; r < batch; r++)
        {
            _rank[_order[r]] = r;
        }
        MaxLength = maxLength;
        int offset = 0;
        int activeCount = batch;
        for (int t = 0; t < maxLength; t++)
        {
            while (activeCount > 0 && _lengths[_order[activeCount - 1]] <= t)
            {
                activeCount--;
            }
            _offsets[t] = offset;
            _active[t] = activeCount;
            offset += activeCount;
        }
        TotalRows = offset;
    }

    /// <summary>Copies a padded batch-first tensor (B, T, F) into packed rows (N, F).</summary>
    public void Pack(ReadOnlySpan<float> padded, int features, Span<float> packed) => Copy(CopyKind.Pack, padded, packed, features);

    /// <summary>Copies packed rows (N, F) into a padded batch-first tensor (B, T, F), writing 0 at padded steps.</summary>
    public void Unpack(ReadOnlySpan<float> packed, int features, Span<float> padded) => Copy(CopyKind.Unpack, packed, padded, features);

    /// <summary>Adds packed rows (N, F) into a padded batch-first tensor (B, T, F); padded steps are left as they are.</summary>
    public void UnpackAdd(ReadOnlySpan<float> packed, int features, Span<float> padded) => Copy(CopyKind.UnpackAdd, packed, padded, features);

    // Below this many floats a copy stays on the calling thread.
    private const long ParallelCopyFloats = 1L << 16;

    private readonly CopyWork _copy = new();

    private enum CopyKind
    {
        Pack,
        Unpack,
        UnpackAdd,
    }

    /// <summary>The sequences' rows split over the pool by batch entry: each element is written by one thread, once.</summary>
    private unsafe void Copy(CopyKind kind, ReadOnlySpan<float> from, Span<float> to, int features)
    {
        int threads = (long)Batch * SequenceLength * features < ParallelCopyFloats ? 1 : Math.Min(ComputeSettings.MaxThreads, Batch);
        int perItem = (Batch + threads - 1) / threads;
        int items = (Batch + perItem - 1) / perItem;
        fixed (float* f = from)
        fixed (float* t = to)
        {
            _copy.Set(this, kind, f, from.Length, t, to.Length, features, perItem);
            if (items == 1)
            {
                _copy.Invoke(0);
            }
            else
            {
                WorkerPool.Run(items, _copy);
            }
            _copy.Clear();
        }
    }

    /// <summary>Batch entries [b0, b1) of a copy.</summary>
    private void CopyRange(CopyKind kind, ReadOnlySpan<float> from, Span<float> to, int features, int b0, int b1)
    {
        for (int b = b0; b < b1; b++)
        {
            int rank = _rank[b];
            int len = _lengths[b];
            for (int t = 0; t < len; t++)
            {
                int packedRow = (_offsets[t] + rank) * features, paddedRow = (b * SequenceLength + t) * features;
                switch (kind)
                {
                    case CopyKind.Pack:
                        from.Slice(paddedRow, features).CopyTo(to.Slice(packedRow, features));
                        break;
                    case CopyKind.Unpack:
                        from.Slice(packedRow, features).CopyTo(to.Slice(paddedRow, features));
                        break;
                    default:
                        var dst = to.Slice(paddedRow, features);
                        System.Numerics.Tensors.TensorPrimitives.Add(dst, from.Slice(packedRow, features), dst);
                        break;
                }
            }
            if (kind == CopyKind.Unpack)
            {
                to.Slice((b * SequenceLength + len) * features, (SequenceLength - len) * features).Clear();
            }
        }
    }

    /// <summary>One copy's batch entries in ranges, one work item each; kept by the layout, so a copy allocates nothing.</summary>
    private sealed unsafe class CopyWork : IWorkItem
    {
        private PackedLayout? _layout;
        private CopyKind _kind;
        private float* _from;
        private int _fromLength;
        private float* _to;
        private int _toLength;
        private int _features;
        private int _perItem;

        public void Set(PackedLayout layout, CopyKind kind, float* from, int fromLength, float* to, int toLength, int features, int perItem)
        {
            (_layout, _kind, _fromLength, _toLength, _features, _perItem) = (layout, kind, fromLength, toLength, features, perItem);
            _from = from;
            _to = to;
        }

        public void Clear()
        {
            _layout = null;
            _from = _to = null;
        }

        public void Invoke(int index)
        {
            int b0 = index * _perItem;
            int b1 = Math.Min(_layout!.Batch, b0 + _perItem);
            _layout.CopyRange(_kind, new ReadOnlySpan<float>(_from, _fromLength), new Span<float>(_to, _toLength), _features, b0, b1);
        }
    }

    /// <summary>The packed row of (original batch index b, step t); t must be below the length of b.</summary>
    public int RowOf(int b, int t) => _offsets[t] + _rank[b];

    private static void EnsureCapacity(ref int[] array, int length)
    {
        if (array.Length < length)
        {
            array = new int[Math.Max(length, array.Length * 2)];
        }
    }
}
