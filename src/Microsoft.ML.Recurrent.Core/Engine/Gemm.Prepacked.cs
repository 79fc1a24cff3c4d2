using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Recurrent.Engine;

/// <summary>
/// op(B) of a <see cref="Gemm"/> packed once into the blocked path's panels, for the per-step products of a
/// recurrent layer: the same weights multiply a new state every step, so packing them every call would copy
/// the whole matrix per step (and per thread, when rows are split over threads).
/// </summary>
internal sealed class PackedMatrix
{
    internal float[] Buffer = [];
    internal int K;
    internal int N;
    internal GemmLevel Level;

    // Floats of packed panels from the aligned start of a buffer.
    internal long Size;

    // Identical copies of Buffer for the pool's workers (worker w reads Replicas[(w - 1) % ReplicaCount]): cores that
    // all read one copy every step ran 10-40 % slower than cores reading their own (2-core Xeon VM, W_hh of
    // 256 KB to 1 MB), so each core streams its own copy from its own cache. Pack allocates them; each is filled by
    // the first worker that reads it after a Pack (in parallel with the others, and into that worker's cache).
    internal float[][] Replicas = [];
    internal int ReplicaCount;
    private int[] _replicaState = [];   // per replica: Stale, Copying or Fresh

    private const int Stale = 0;
    private const int Copying = 1;
    private const int Fresh = 2;

    /// <summary>The copy the calling thread reads: the pool's workers their own, every other thread <see cref="Buffer"/>.</summary>
    internal float[] ForCurrentThread
    {
        get
        {
            int worker = WorkerPool.CurrentWorker;
            if (worker == 0 || ReplicaCount == 0)
            {
                return Buffer;
            }
            int r = (worker - 1) % ReplicaCount;
            if (Volatile.Read(ref _replicaState[r]) != Fresh)
            {
                Refresh(r);
            }
            return Replicas[r];
        }
    }

    /// <summary>The packed panels (<see cref="Size"/> floats from the aligned start of <see cref="Buffer"/>).</summary>
    internal unsafe ReadOnlySpan<float> Panels => new(Gemm.AlignedStart(Buffer), (int)Size);

    /// <summary>After a Pack: <paramref name="replicas"/> copies allocated (not yet filled), every one stale.</summary>
    internal void ResetReplicas(int replicas)
    {
        if (Replicas.Length < replicas)
        {
            Array.Resize(ref Replicas, replicas);
            Array.Resize(ref _replicaState, replicas);
        }
        for (int r = 0; r < replicas; r++)
        {
            float[]? copy = Replicas[r];
            if (copy is null || copy.Length < Size + 16)
            {
                Replicas[r] = GC.AllocateUninitializedArray<float>((int)Size + 16, pinned: true);
            }
            Volatile.Write(ref _replicaState[r], Stale);
        }
        ReplicaCount = replicas;
    }

    // Fills replica r from Buffer, or waits while another worker sharing it does.
    private unsafe void Refresh(int r)
    {
        if (Interlocked.CompareExchange(ref _replicaState[r], Copying, Stale) == Stale)
        {
            Panels.CopyTo(new Span<float>(Gemm.AlignedStart(Replicas[r]), (int)Size));
            Volatile.Write(ref _replicaState[r], Fresh);
            return;
        }
        var spinner = new SpinWait();
        while (Volatile.Read(ref _replicaState[r]) != Fresh)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }
}

internal static unsafe partial class Gemm
{
    /// <summary>
    /// Packs op(B) (k, n) for <see cref="MultiplyPacked"/>: for every NC column block and every KC depth block,
    /// in the order the blocked loop visits them, the panels <c>PackB</c> would build; and room for <c>replicas</c>
    /// identical copies for the pool's workers (see <see cref="PackedMatrix.Replicas"/>; each worker fills its own when it
    /// first reads it), 0 when only one thread multiplies by it.
    /// </summary>
    public static void Pack(bool transB, int k, int n, ReadOnlySpan<float> b, int ldb, PackedMatrix target, int replicas = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        SpanChecks.Matrix(b.Length, transB ? n : k, transB ? k : n, ldb, nameof(b));
        GemmLevel level = Level;
        Blocking(level, out _, out int nr, out _, out int ncMax);
        long size = 0;
        for (int jc = 0; jc < n; jc += ncMax)
        {
            size += (long)k * RoundUp(Math.Min(ncMax, n - jc), nr);
        }
        if (size + 16 > Array.MaxLength)
        {
            throw new ArgumentException($"Packing a ({k}, {n}) matrix needs {size + 16} floats, more than one array holds (Array.MaxLength = {Array.MaxLength}).", nameof(b));
        }
        if (target.Buffer.Length < size + 16)
        {
            target.Buffer = GC.AllocateUninitializedArray<float>((int)size + 16, pinned: true);
        }
        (target.K, target.N, target.Level, target.Size) = (k, n, level, size);
        fixed (float* pb = b)
        {
            GemmJob job = _job ??= new GemmJob();
            job.Set(false, transB, 0, n, k, null, 0, pb, ldb, null, 0, false, level);
            var packing = _packJob ??= new PackJob();
            packing.Set(job, target, nr, ncMax);
            // Packing is copying: the panels are the same whichever thread writes them.
            int items = size >= ParallelPackFloats ? Math.Min(ComputeSettings.MaxThreads, (int)((n + nr - 1) / nr)) : 1;
            packing.Items = items;
            if (items > 1)
            {
                WorkerPool.Run(items, packing);
            }
            else
            {
                packing.Invoke(0);
            }
            packing.Clear();
            job.Clear();
        }
        target.ResetReplicas(replicas);
    }

    // From this many packed floats on, Pack splits its panels over the pool.
    private const long ParallelPackFloats = 1L << 16;

    [ThreadStatic]
    private static PackJob? _packJob;

    /// <summary>The panels of a <see cref="Pack"/> split into contiguous ranges of panels, one range of every block per item.</summary>
    private sealed class PackJob : IWorkItem
    {
        private GemmJob? _job;
        private PackedMatrix? _target;
        private int _nr;
        private int _ncMax;

        public int Items { get; set; } = 1;

        public void Set(GemmJob job, PackedMatrix target, int nr, int ncMax) => (_job, _target, _nr, _ncMax) = (job, target, nr, ncMax);

        public void Clear()
        {
            _job = null;
            _target = null;
        }

        public void Invoke(int index)
        {
            var job = _job!;
            int n = _target!.N, k = _target.K, nr = _nr;
            float* dst = Aligned(_target.Buffer);
            for (int jc = 0; jc < n; jc += _ncMax)
            {
                int nc = Math.Min(_ncMax, n - jc);
                int panels = (nc + nr - 1) / nr;
                int first = (int)((long)index * panels / Items), last = (int)((long)(index + 1) * panels / Items);
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    if (last > first)
                    {
                        PackB(job, pc, kc, jc + first * nr, Math.Min(nc, last * nr) - first * nr, nr, dst + (long)first * nr * kc);
                    }
                    dst += (long)kc * RoundUp(nc, nr);
                }
            }
        }
    }

    /// <summary>The 64-byte-aligned start of a pinned buffer (for callers outside the GEMM).</summary>
    internal static float* AlignedStart(float[] pinnedArray) => Aligned(pinnedArray);

    /// <summary>
    /// C (m, n) = (accumulate ? C : 0) + A (m, k) * B, B packed by <see cref="Pack"/>, on the calling thread.
    /// Same kernel, blocks and order as <see cref="Multiply"/> with row-major B, so a row of C is bit-identical
    /// to what Multiply gives for it, whatever m. With a row bias (n; accumulate false) C starts from it, as in Multiply.
    /// </summary>
    public static void MultiplyPacked(int m, ReadOnlySpan<float> a, int lda, PackedMatrix b, Span<float> c, int ldc, bool accumulate,
        ReadOnlySpan<float> rowBias = default)
    {
        int n = b.N, k = b.K;
        if (m == 0)
        {
            return;
        }
        // Checked in Release too (once per call): the kernels write through raw pointers.
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        SpanChecks.Matrix(a.Length, m, k, lda, nameof(a));
        SpanChecks.Matrix(c.Length, m, n, ldc, nameof(c));
        if (!rowBias.IsEmpty)
        {
            CheckBias(rowBias, n, accumulate);
        }
        GemmLevel level = b.Level;
        Blocking(level, out _, out int nr, out _, out int ncMax);
        fixed (float* pa = a)
        fixed (float* pc0 = c)
        fixed (float* pbias = rowBias)
        {
            if (m <= SmallM && level >= GemmLevel.Vector128)
            {
                for (int i = 0; i < m; i++)
                {
                    if (!rowBias.IsEmpty)
                    {
                        // The bias, then the block sums in block order: what the blocked path's tiles do.
                        rowBias[..n].CopyTo(c.Slice(i * ldc, n));
                    }
                    float* ai = pa + (long)i * lda, ci = pc0 + (long)i * ldc;
                    bool add = accumulate || !rowBias.IsEmpty;
                    switch (level)
                    {
                        case GemmLevel.Vector512:
                            PackedRow(ai, b, ci, add);
                            break;
                        case GemmLevel.Vector256:
                            PackedRowNarrow<FloatVector256>(ai, b, ci, add);
                            break;
                        default:
                            PackedRowNarrow<FloatVector128>(ai, b, ci, add);
                            break;
                    }
                }
                return;
            }
            GemmJob job = _job ??= new GemmJob();
            job.Set(false, false, m, n, k, pa, lda, null, 0, pc0, ldc, accumulate, level);
            job.Bias = pbias;
            float* ap = PackBufferA();
            float* tile = stackalloc float[8 * 32];
            float* bp = Aligned(b.ForCurrentThread);
            for (int jc = 0; jc < n; jc += ncMax)
            {
                int nc = Math.Min(ncMax, n - jc);
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    Panels(job, 0, m, jc, nc, pc, kc, ap, bp, tile);
                    bp += (long)kc * RoundUp(nc, nr);
                }
            }
            job.Clear();
        }
    }

    // One row of A against the packed panels (Vector512 layout, 32 columns a panel), four panels at a time
    // so that eight independent chains hide the FMA latency. Per element and KC block: one fused chain from
    // +0 in p order, then added to C, exactly as Kernel8x32 and MergeTile do.
    private static void PackedRow(float* a, PackedMatrix b, float* c, bool accumulate)
    {
        const int nr = 32;
        int n = b.N, k = b.K;
        Blocking(GemmLevel.Vector512, out _, out _, out _, out int ncMax);
        float* bp = Aligned(b.ForCurrentThread);
        float* tile = stackalloc float[4 * nr];
        for (int jc = 0; jc < n; jc += ncMax)
        {
            int nc = Math.Min(ncMax, n - jc);
            int panels = (nc + nr - 1) / nr;
            for (int pc = 0; pc < k; pc += KC)
            {
                int kc = Math.Min(KC, k - pc);
                bool add = pc > 0 || accumulate;
                float* ak = a + pc;
                for (int q = 0; q < panels; q += 4)
                {
                    int group = Math.Min(4, panels - q);
                    float* p0 = bp + (long)q * nr * kc;
                    float* p1 = p0 + (long)nr * kc * Math.Min(1, group - 1);
                    float* p2 = p0 + (long)nr * kc * Math.Min(2, group - 1);
                    float* p3 = p0 + (long)nr * kc * Math.Min(3, group - 1);
                    var c0 = Vector512<float>.Zero; var c1 = Vector512<float>.Zero;
                    var c2 = Vector512<float>.Zero; var c3 = Vector512<float>.Zero;
                    var c4 = Vector512<float>.Zero; var c5 = Vector512<float>.Zero;
                    var c6 = Vector512<float>.Zero; var c7 = Vector512<float>.Zero;
                    for (int p = 0; p < kc; p++)
                    {
                        var av = Vector512.Create(ak[p]);
                        long o = (long)p * nr;
                        c0 = Vector512.FusedMultiplyAdd(av, Vector512.Load(p0 + o), c0);
                        c1 = Vector512.FusedMultiplyAdd(av, Vector512.Load(p0 + o + 16), c1);
                        c2 = Vector512.FusedMultiplyAdd(av, Vector512.Load(p1 + o), c2);
                        c3 = Vector512.FusedMultiplyAdd(av, Vector512.Load(p1 + o + 16), c3);
                        c4 = Vector512.FusedMultiplyAdd(av, Vector512.Load(p2 + o), c4);
                        c5 = Vector512.FusedMultiplyAdd(av, Vector512.Load(p2 + o + 16), c5);
                        c6 = Vector512.FusedMultiplyAdd(av, Vector512.Load(p3 + o), c6);
                        c7 = Vector512.FusedMultiplyAdd(av, Vector512.Load(p3 + o + 16), c7);
                    }
                    int j0 = jc + q * nr;
                    int valid = Math.Min(group * nr, nc - q * nr);
                    if (valid == 4 * nr)
                    {
                        Store(c + j0, c0, add); Store(c + j0 + 16, c1, add);
                        Store(c + j0 + 32, c2, add); Store(c + j0 + 48, c3, add);
                        Store(c + j0 + 64, c4, add); Store(c + j0 + 80, c5, add);
                        Store(c + j0 + 96, c6, add); Store(c + j0 + 112, c7, add);
                    }
                    else
                    {
                        c0.Store(tile); c1.Store(tile + 16); c2.Store(tile + 32); c3.Store(tile + 48);
                        c4.Store(tile + 64); c5.Store(tile + 80); c6.Store(tile + 96); c7.Store(tile + 112);
                        MergeTile(tile, 4 * nr, c + j0, 0, 1, valid, add);
                    }
                }
                bp += (long)kc * panels * nr;
            }
        }
    }

    // PackedRow for the 256- and 128-bit panels (2 vectors of T a panel), in the same order: without it one row at those
    // widths went through the blocked path, packing A and computing a whole 6-row tile (5 rows of zeros) per panel.
    private static void PackedRowNarrow<T>(float* a, PackedMatrix b, float* c, bool accumulate)
        where T : struct, IFloatVector<T>
    {
        int w = T.Count, nr = 2 * w;
        int n = b.N, k = b.K;
        Blocking(b.Level, out _, out _, out _, out int ncMax);
        float* bp = Aligned(b.ForCurrentThread);
        float* tile = stackalloc float[4 * 16];
        for (int jc = 0; jc < n; jc += ncMax)
        {
            int nc = Math.Min(ncMax, n - jc);
            int panels = (nc + nr - 1) / nr;
            for (int pc = 0; pc < k; pc += KC)
            {
                int kc = Math.Min(KC, k - pc);
                bool add = pc > 0 || accumulate;
                float* ak = a + pc;
                for (int q = 0; q < panels; q += 4)
                {
                    int group = Math.Min(4, panels - q);
                    float* p0 = bp + (long)q * nr * kc;
                    float* p1 = p0 + (long)nr * kc * Math.Min(1, group - 1);
                    float* p2 = p0 + (long)nr * kc * Math.Min(2, group - 1);
                    float* p3 = p0 + (long)nr * kc * Math.Min(3, group - 1);
                    T c0 = default, c1 = default, c2 = default, c3 = default;
                    T c4 = default, c5 = default, c6 = default, c7 = default;
                    for (int p = 0; p < kc; p++)
                    {
                        var av = T.Create(ak[p]);
                        nuint o = (nuint)(p * nr);
                        c0 = T.FusedMultiplyAdd(av, T.Load(ref *p0, o), c0);
                        c1 = T.FusedMultiplyAdd(av, T.Load(ref *p0, o + (nuint)w), c1);
                        c2 = T.FusedMultiplyAdd(av, T.Load(ref *p1, o), c2);
                        c3 = T.FusedMultiplyAdd(av, T.Load(ref *p1, o + (nuint)w), c3);
                        c4 = T.FusedMultiplyAdd(av, T.Load(ref *p2, o), c4);
                        c5 = T.FusedMultiplyAdd(av, T.Load(ref *p2, o + (nuint)w), c5);
                        c6 = T.FusedMultiplyAdd(av, T.Load(ref *p3, o), c6);
                        c7 = T.FusedMultiplyAdd(av, T.Load(ref *p3, o + (nuint)w), c7);
                    }
                    int j0 = jc + q * nr;
                    int valid = Math.Min(group * nr, nc - q * nr);
                    bool whole = valid == 4 * nr;
                    float* t = whole ? c + j0 : tile;
                    bool tAdd = whole && add;
                    StoreTile(t, c0, tAdd); StoreTile(t + w, c1, tAdd);
                    StoreTile(t + 2 * w, c2, tAdd); StoreTile(t + 3 * w, c3, tAdd);
                    StoreTile(t + 4 * w, c4, tAdd); StoreTile(t + 5 * w, c5, tAdd);
                    StoreTile(t + 6 * w, c6, tAdd); StoreTile(t + 7 * w, c7, tAdd);
                    if (!whole)
                    {
                        MergeTile(tile, 4 * nr, c + j0, 0, 1, valid, add);
                    }
                }
                bp += (long)kc * panels * nr;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreTile<T>(float* c, T v, bool add)
        where T : struct, IFloatVector<T> => (add ? T.Load(ref *c, 0) + v : v).Store(ref *c, 0);

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
