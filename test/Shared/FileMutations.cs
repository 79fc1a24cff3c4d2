using System.Buffers.Binary;

namespace Microsoft.ML.Recurrent.TestSupport;

/// <summary>
/// The mutations of the fuzz tests (model files, checkpoints, ML.NET .zip files): bit flips, truncation, inserted bytes,
/// a known length or count field set to a huge or negative value, or any four bytes overwritten. Shared by the core and
/// the plugin test projects.
/// </summary>
internal static class FileMutations
{
    private static readonly int[] _hugeValues = [int.MaxValue, int.MinValue, -1, 0x7FFFFFF0, 1 << 30, 1_000_000_000, 65536, 0];

    /// <summary>A mutated copy of <paramref name="original"/> and what was done to it.</summary>
    /// <param name="original">A well-formed file.</param>
    /// <param name="random">The seeded source of every choice.</param>
    /// <param name="lengthFields">Offsets of the file's 32-bit length and count fields.</param>
    /// <param name="description">What was changed, for assertion messages.</param>
    public static byte[] Mutate(byte[] original, Random random, IReadOnlyList<int> lengthFields, out string description)
    {
        byte[] file = (byte[])original.Clone();
        switch (random.Next(5))
        {
            case 0:
                int flips = random.Next(1, 4);
                for (int i = 0; i < flips; i++)
                {
                    file[random.Next(file.Length)] ^= (byte)(1 << random.Next(8));
                }
                description = $"{flips} bit flip(s)";
                return file;
            case 1:
                int length = random.Next(file.Length);
                description = $"truncated to {length}";
                return file[..length];
            case 2:
                int insertAt = random.Next(file.Length + 1);
                byte[] inserted = new byte[random.Next(1, 9)];
                random.NextBytes(inserted);
                description = $"{inserted.Length} bytes inserted at {insertAt}";
                return [.. file[..insertAt], .. inserted, .. file[insertAt..]];
            case 3:
                int field = lengthFields[random.Next(lengthFields.Count)];
                int value = _hugeValues[random.Next(_hugeValues.Length)];
                BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(field), value);
                description = $"length field at {field} set to {value}";
                return file;
            default:
                int start = random.Next(file.Length - 4);
                int any = random.Next(2) == 0 ? random.Next() : _hugeValues[random.Next(_hugeValues.Length)];
                BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(start), any);
                description = $"int32 at {start} set to {any}";
                return file;
        }
    }
}
