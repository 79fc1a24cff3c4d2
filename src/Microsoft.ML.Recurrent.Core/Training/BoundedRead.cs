using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// Reads arrays whose length comes from the data itself, so that memory use is bounded by the bytes actually present,
/// never by a length field: a seekable stream is checked against its remaining length before the array is allocated,
/// a forward-only stream is read in chunks into an array that starts at 64 KiB and doubles as the data arrives.
/// </summary>
internal static class BoundedRead
{
    private const int ChunkBytes = 1 << 20;
    private const int FirstChunkBytes = 1 << 16;

    /// <summary>Reads <paramref name="count"/> values as stored in memory (little-endian); <see cref="EndOfStreamException"/> when fewer are there.</summary>
    public static T[] Values<T>(Stream stream, int count) where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int size = Unsafe.SizeOf<T>();
        if (stream.CanSeek && stream.Length - stream.Position < (long)count * size)
        {
            throw new EndOfStreamException($"{count} values of {size} bytes are claimed but only {stream.Length - stream.Position} bytes remain.");
        }
        int chunk = ChunkBytes / size;
        var values = new T[stream.CanSeek ? count : Math.Min(count, FirstChunkBytes / size)];
        int filled = 0;
        while (filled < count)
        {
            if (filled == values.Length)
            {
                Array.Resize(ref values, (int)Math.Min(count, 2L * values.Length));
            }
            int take = Math.Min(values.Length - filled, chunk);
            stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan(filled, take)));
            filled += take;
        }
        return values;
    }
}
