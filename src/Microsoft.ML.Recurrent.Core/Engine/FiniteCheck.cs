using System.Numerics;
using System.Runtime.InteropServices;

namespace Microsoft.ML.Recurrent.Engine;

/// <summary>Finds NaN and infinity in float buffers in one vectorised pass (weights after an update, before a save).</summary>
internal static class FiniteCheck
{
    /// <summary>The index of the first NaN or infinite value, or -1 when every value is finite.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            // x - x is 0 for a finite x and NaN for NaN or infinity, so the sum stays exactly 0 until a non-finite value joins.
            ref float start = ref MemoryMarshal.GetReference(values);
            var sum = Vector<float>.Zero;
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = Vector.LoadUnsafe(ref start, (nuint)i);
                sum += v - v;
            }
            if (!Vector.EqualsAll(sum, Vector<float>.Zero))
            {
                i = 0; // locate it below
            }
        }
        for (; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }
        return -1;
    }
}
