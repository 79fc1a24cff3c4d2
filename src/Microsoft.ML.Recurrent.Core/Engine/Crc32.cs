namespace Microsoft.ML.Recurrent.Engine;

/// <summary>
/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum of zip and PNG.
/// The checksum of a record of the binary format (<see cref="BinaryFieldReader"/>); the model file as a whole is
/// covered by SHA-256. Kept here rather than taking System.IO.Hashing: a few lines, not a package.
/// </summary>
internal static class Crc32
{
    internal static readonly uint[] Table = CreateTable();

    /// <summary>The running value to start from (before the final inversion).</summary>
    public const uint Initial = 0xFFFFFFFFu;

    public static uint Append(uint state, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data)
        {
            state = Table[(state ^ b) & 0xFF] ^ (state >> 8);
        }
        return state;
    }

    public static uint Finish(uint state) => state ^ 0xFFFFFFFFu;

    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Initial, data));

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            table[n] = c;
        }
        return table;
    }
}
