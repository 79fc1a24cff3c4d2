using System.Buffers.Binary;
using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.Serialization;

/// <summary>
/// Reads one section's body from the content buffer, never past its end. Every failure is an
/// <see cref="InvalidDataException"/> naming the section and the field; no read allocates more than the
/// bytes that are actually present.
/// </summary>
internal sealed class ModelFileSectionReader
{
    private readonly byte[] _content;
    private readonly int _end;
    private readonly string _section;
    private int _position;

    internal ModelFileSectionReader(byte[] content, int start, int length, string section)
    {
        _content = content;
        _position = start;
        _end = start + length;
        _section = section;
    }

    internal byte[] Content => _content;

    internal int Position => _position;

    internal int Remaining => _end - _position;

    internal InvalidDataException Invalid(string problem) => new($"Invalid model file: the {_section} section {problem}.");

    internal byte ReadByte() => Take(1, "a byte")[0];

    internal int ReadInt32(string what) => BinaryPrimitives.ReadInt32LittleEndian(Take(4, what));

    internal long ReadInt64(string what) => BinaryPrimitives.ReadInt64LittleEndian(Take(8, what));

    internal float ReadSingle(string what) => BinaryPrimitives.ReadSingleLittleEndian(Take(4, what));

    internal double ReadDouble(string what) => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, what));

    /// <summary>Reads a count in 0..<paramref name="max"/> whose entries need at least <paramref name="minEntryBytes"/> each.</summary>
    internal int ReadCount(string what, int max, int minEntryBytes)
    {
        int count = ReadInt32(what);
        if (count < 0 || count > max)
        {
            throw Invalid($"has {what} {count}; allowed 0..{max}");
        }
        if ((long)count * minEntryBytes > Remaining)
        {
            throw Invalid($"declares {what} {count}, more than its remaining {Remaining} bytes can hold (truncated or corrupt)");
        }
        return count;
    }

    /// <summary>Reads an int32 byte length and that many bytes of strict UTF-8.</summary>
    internal string ReadString(string what)
    {
        int length = ReadInt32($"the length of {what}");
        if (length < 0 || length > Remaining)
        {
            throw Invalid($"declares {what} of {length} bytes, but only {Remaining} bytes remain (truncated or corrupt)");
        }
        try
        {
            return Utf16Text.StrictUtf8.GetString(Take(length, what));
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw Invalid($"holds {what}, which is not well-formed UTF-8");
        }
    }

    /// <summary>Reads little-endian floats into <paramref name="destination"/>, rejecting NaN and infinity.</summary>
    internal void ReadFiniteFloats(Span<float> destination, string parameterName)
    {
        ReadOnlySpan<byte> bytes = Take(checked(4 * destination.Length), $"the values of parameter '{parameterName}'");
        for (int i = 0; i < destination.Length; i++)
        {
            float v = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(4 * i, 4));
            if (!float.IsFinite(v))
            {
                throw new InvalidDataException(
                    $"Invalid model file: parameter '{parameterName}' has a non-finite value ({v}) at element {i}; weights must be finite numbers.");
            }
            destination[i] = v;
        }
    }

    /// <summary>Moves past bytes that another reader consumed.</summary>
    internal void Skip(int count) => Take(count, "a record");

    /// <summary>Throws unless the whole body has been read.</summary>
    internal void ExpectEnd()
    {
        if (Remaining != 0)
        {
            throw Invalid($"has {Remaining} unexpected bytes after its last field");
        }
    }

    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if (count > Remaining)
        {
            throw Invalid($"ends while reading {what} (truncated or inconsistent lengths)");
        }
        var span = _content.AsSpan(_position, count);
        _position += count;
        return span;
    }
}
