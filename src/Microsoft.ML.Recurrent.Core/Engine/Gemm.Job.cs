namespace Microsoft.ML.Recurrent.Engine;

internal static unsafe partial class Gemm
{
    /// <summary>
    /// The arguments of one call and how it is split. One instance per calling thread, reused, so that a
    /// call allocates nothing. Work items are disjoint column ranges (or row ranges) of C; since every
    /// element follows the same summation order wherever it lands, the split may depend on the thread count.
    /// </summary>
    private sealed class GemmJob : IWorkItem
    {
        public bool TransA;
        public bool TransB;
        public int M;
        public int N;
        public int K;
        public float* A;
        public int Lda;
        public float* B;
        public int Ldb;
        public float* C;
        public int Ldc;
        public bool Accumulate;
        public float* Bias;         // (n) row bias of the blocked path, or null
        public GemmLevel Level;

        private bool _small;
        private bool _splitColumns;
        private int _unit;
        private int _unitsPerItem;

        public void Set(bool transA, bool transB, int m, int n, int k, float* a, int lda, float* b, int ldb,
            float* c, int ldc, bool accumulate, GemmLevel level)
        {
            (TransA, TransB, M, N, K, Lda, Ldb, Ldc, Accumulate, Level) =
                (transA, transB, m, n, k, lda, ldb, ldc, accumulate, level);
            A = a;
            B = b;
            C = c;
            Bias = null;
        }

        public void Clear()
        {
            Bias = null;
            A = null;
            B = null;
            C = null;
        }

        /// <summary>Chooses the path and the split; returns the number of work items.</summary>
        public int Plan(int maxThreads)
        {
            // transA + transB gathers op(A) into the A pack buffer, which bounds m * k.
            _small = M <= SmallM && !(TransA && TransB && (long)M * K > APackFloats);
            long work = (long)M * N * K;
            int threads = work < ParallelThreshold ? 1 : maxThreads;
            int units;
            if (_small)
            {
                // Small m streams B once: split columns in steps of 64 (whole cache lines, whole vectors).
                _splitColumns = true;
                _unit = 64;
                units = (N + _unit - 1) / _unit;
            }
            else
            {
                Blocking(Level, out int mr, out int nr, out _, out _);
                // Split the longer side of C: each item repacks the whole of the other operand, which
                // costs least when that operand is the smaller one.
                _splitColumns = N >= M;
                _unit = _splitColumns ? nr : mr;
                units = ((_splitColumns ? N : M) + _unit - 1) / _unit;
            }
            int items = Math.Max(1, Math.Min(threads, units));
            _unitsPerItem = (units + items - 1) / items;
            return (units + _unitsPerItem - 1) / _unitsPerItem;
        }

        public void Invoke(int index)
        {
            int extent = _splitColumns ? N : M;
            int start = index * _unitsPerItem * _unit;
            int end = Math.Min(extent, start + _unitsPerItem * _unit);
            if (_small)
            {
                SmallRows(this, start, end);
            }
            else if (_splitColumns)
            {
                Blocked(this, 0, M, start, end);
            }
            else
            {
                Blocked(this, start, end, 0, N);
            }
        }
    }
}
