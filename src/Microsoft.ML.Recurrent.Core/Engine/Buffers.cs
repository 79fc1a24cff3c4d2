namespace Microsoft.ML.Recurrent.Engine;

/// <summary>Grow-only scratch arrays: steady-state passes of the same or smaller shape allocate nothing.</summary>
internal static class Buffers
{
    public static float[] Ensure(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = GC.AllocateUninitializedArray<float>(Math.Max(length, (int)Math.Min(Array.MaxLength, (long)buffer.Length * 3 / 2)));
        }
        return buffer;
    }

    public static int[] Ensure(ref int[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new int[Math.Max(length, (int)Math.Min(Array.MaxLength, (long)buffer.Length * 3 / 2))];
        }
        return buffer;
    }
}
