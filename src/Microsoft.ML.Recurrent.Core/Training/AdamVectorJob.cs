using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// The vectorised Adam update over fixed chunks of the flat buffers, on the engine's threads: every element's update
/// is independent of the others, so the result is bit-identical whatever the thread count or the chunking. One per
/// optimizer, reused (a step allocates nothing).
/// </summary>
internal sealed unsafe class AdamVectorJob : IWorkItem
{
    // 64K floats (256 KB) a chunk: a few dozen items for a model of millions of weights, so that two threads share
    // the work evenly; below two chunks the caller's thread does it alone.
    private const int Chunk = 1 << 16;

    private float* _parameters;
    private float* _gradients;
    private float* _expAvg;
    private float* _expAvgSq;
    private int _length;
    private float _weight1, _beta2, _weight2, _l2, _correction, _epsilon, _step;

    /// <summary>Runs the 8-lane loop over [0, length rounded down to 8); returns where the scalar tail starts.</summary>
    public int Run(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> expAvg, Span<float> expAvgSq,
        float weight1, float beta2, float weight2, float l2, float correction, float epsilon, float stepSize)
    {
        int length = parameters.Length & ~7;
        (_length, _weight1, _beta2, _weight2, _l2, _correction, _epsilon, _step) =
            (length, weight1, beta2, weight2, l2, correction, epsilon, -stepSize);
        int chunks = (length + Chunk - 1) / Chunk;
        fixed (float* p = parameters)
        fixed (float* g = gradients)
        fixed (float* m = expAvg)
        fixed (float* v = expAvgSq)
        {
            _parameters = p;
            _gradients = g;
            _expAvg = m;
            _expAvgSq = v;
            try
            {
                if (chunks <= 1 || ComputeSettings.MaxThreads <= 1)
                {
                    Range(0, length);
                }
                else
                {
                    WorkerPool.Run(chunks, this);
                }
            }
            finally
            {
                _parameters = _gradients = _expAvg = _expAvgSq = null;
            }
        }
        return length;
    }

    public void Invoke(int index) => Range(index * Chunk, Math.Min(_length, (index + 1) * Chunk));

    // The scalar loop of AdamOptimizer.AdamUpdate, 8 lanes at a time: the same float operations in the same order
    // (square root and division are correctly rounded in both), so results are bit-identical.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Range(int start, int end)
    {
        var vWeight1 = Vector256.Create(_weight1);
        var vBeta2 = Vector256.Create(_beta2);
        var vWeight2 = Vector256.Create(_weight2);
        var vL2 = Vector256.Create(_l2);
        var vCorrection = Vector256.Create(_correction);
        var vEpsilon = Vector256.Create(_epsilon);
        var vStep = Vector256.Create(_step);
        bool l2 = _l2 != 0;
        for (int i = start; i < end; i += 8)
        {
            var p = Vector256.Load(_parameters + i);
            var g = Vector256.Load(_gradients + i);
            if (l2)
            {
                g += vL2 * p;
            }
            var m = Vector256.Load(_expAvg + i);
            m += vWeight1 * (g - m);
            m.Store(_expAvg + i);
            var v = Vector256.Load(_expAvgSq + i) * vBeta2 + vWeight2 * g * g;
            v.Store(_expAvgSq + i);
            var denominator = Vector256.Sqrt(v) / vCorrection + vEpsilon;
            (p + vStep * (m / denominator)).Store(_parameters + i);
        }
    }
}
