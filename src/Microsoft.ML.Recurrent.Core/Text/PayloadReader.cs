using System.Buffers.Binary;

namespace Microsoft.ML.Recurrent.Text;

/// <summary>
/// Reads one record written by <see cref="PayloadWriter"/>, checksumming as it goes. Every failure —
/// a truncated stream, a bad varint, ill-formed UTF-8, a wrong checksum — is an
/// <see cref="InvalidDataException"/> whose message names the record and what is wrong. Memory use is
/// bounded by the bytes actually present, never by a length field.
/// </summary>
internal sealed class PayloadReader
{
    internal const int ChunkSize = 64 * 1024;
    private readonly BinaryReader _reader;
    private readonly string _recordName;
    private uint _crc = Crc32.Initial;

    public PayloadReader(BinaryReader reader, string recordName, uint magic, byte version)
    {
        ArgumentNullException.ThrowIfNull(reader);
        _reader = reader;
        _recordName = recordName;
        uint actualMagic = ReadUInt32();
        if (actualMagic != magic)
        {
            throw Invalid($"magic 0x{actualMagic:X8} is not 0x{magic:X8}; the stream does not hold a {recordName} here");
        }
        byte actualVersion = ReadByte();
        if (actualVersion != version)
        {
            throw Invalid($"format version {actualVersion} is not supported (expected {version})");
        }
    }

    public InvalidDataException Invalid(string problem) => new($"Invalid {_recordName}: {problem}.");

    public byte ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        ReadExactly(one, "a byte");
        return one[0];
    }

    public uint ReadUInt32()
    {
        Span<byte> four = stackalloc byte[4];
        ReadExactly(four, "a 4-byte integer");
        return BinaryPrimitives.ReadUInt32LittleEndian(four);
    }

    /// <summary>Reads a canonical (shortest-form) 7-bit varint in 0..<paramref name="max"/>.</summary>
    public int ReadCount(string what, int max)
    {
        long value = 0;
        for (int shift = 0; ; shift += 7)
        {
            if (shift > 28)
            {
                throw Invalid($"{what} is not a valid 7-bit encoded integer (more than 5 bytes)");
            }
            byte b = ReadByte();
            value |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                if (b == 0 && shift > 0)
                {
                    throw Invalid($"{what} is not in shortest 7-bit form");
                }
                break;
            }
        }
        if (value > max)
        {
            throw Invalid($"{what} is {value}, above the allowed maximum {max}");
        }
        return (int)value;
    }

    /// <summary>Reads <paramref name="byteLength"/> bytes of strict UTF-8.</summary>
    public string ReadUtf8(int byteLength, string what)
    {
        // Grow with the data actually read, so a corrupted length cannot make us allocate ahead of the stream.
        byte[] bytes = new byte[Math.Min(byteLength, ChunkSize)];
        int filled = 0;
        while (filled < byteLength)
        {
            if (filled == bytes.Length)
            {
                Array.Resize(ref bytes, (int)Math.Min(byteLength, 2L * bytes.Length));
            }
            int want = Math.Min(bytes.Length - filled, ChunkSize);
            ReadExactly(bytes.AsSpan(filled, want), what);
            filled += want;
        }
        try
        {
            return Utf16Text.StrictUtf8.GetString(bytes, 0, byteLength);
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw Invalid($"{what} is not well-formed UTF-8");
        }
    }

    /// <summary>Reads the trailing checksum and compares it with the bytes read so far.</summary>
    public void VerifyChecksum()
    {
        uint expected = Crc32.Finish(_crc);
        Span<byte> four = stackalloc byte[4];
        ReadRaw(four, "the checksum");
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(four);
        if (stored != expected)
        {
            throw Invalid($"checksum mismatch (stored 0x{stored:X8}, computed 0x{expected:X8}); the data is corrupted");
        }
    }

    private void ReadExactly(Span<byte> destination, string what)
    {
        ReadRaw(destination, what);
        _crc = Crc32.Append(_crc, destination);
    }

    private void ReadRaw(Span<byte> destination, string what)
    {
        int total = 0;
        try
        {
            while (total < destination.Length)
            {
                int n = _reader.Read(destination[total..]);
                if (n <= 0)
                {
                    throw Invalid($"the stream ends while reading {what} (truncated)");
                }
                total += n;
            }
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"Invalid {_recordName}: the stream ends while reading {what} (truncated).", e);
        }
    }
}
