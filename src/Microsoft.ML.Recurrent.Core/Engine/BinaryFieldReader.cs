using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Microsoft.ML.Recurrent.Engine;

/// <summary>
/// Reads the fields of the library's one binary format (the model file's sections and the text layer's records) from a
/// stream: little-endian integers and floats, int32 or canonical 7-bit varint counts and lengths, strict UTF-8, and, for a
/// record, its <c>magic | version</c> head and CRC-32 tail. Every failure is an <see cref="InvalidDataException"/> whose
/// message names the file or record, the part and the field. Memory use is bounded by the bytes actually present,
/// never by a length field; with a known <c>limit</c> no read goes past it.
/// </summary>
internal sealed class BinaryFieldReader
{
    internal const int ChunkSize = 64 * 1024;

    /// <summary>UTF-8 that throws on ill-formed input: every string of the format is strict UTF-8, without a BOM.</summary>
    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Stream _stream;
    private readonly string _file;
    private readonly string _part;
    private readonly long _limit;
    private long _read;
    private bool _checksumming;
    private uint _crc;

    /// <summary>A reader of a part of known length: every read is checked against <paramref name="limit"/> bytes.</summary>
    /// <param name="stream">The source, at the part's first byte.</param>
    /// <param name="file">What the data is, for messages: "model file", "vocabulary".</param>
    /// <param name="part">The part being read, for messages: "the 'PARM' section"; for a record, "the stream".</param>
    /// <param name="limit">The part's length in bytes, or <see cref="long.MaxValue"/> when unknown (read until the record ends).</param>
    public BinaryFieldReader(Stream stream, string file, string part, long limit = long.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _file = file;
        _part = part;
        _limit = limit;
    }

    /// <summary>The bytes left before the limit (<see cref="long.MaxValue"/> minus those read when there is none).</summary>
    public long Remaining => _limit - _read;

    /// <summary>An error about the data: "Invalid {file}: {problem}."</summary>
    public InvalidDataException Invalid(string problem) => new($"Invalid {_file}: {problem}.");

    /// <summary>An error about this part: "Invalid {file}: {part} {problem}."</summary>
    public InvalidDataException InvalidPart(string problem) => Invalid($"{_part} {problem}");

    /// <summary>Reads a record's head, <c>magic (uint32) | version (byte)</c>, and starts its checksum.</summary>
    public void ReadRecordHead(uint magic, byte version)
    {
        _checksumming = true;
        _crc = Crc32.Initial;
        uint actualMagic = ReadUInt32("the magic number");
        if (actualMagic != magic)
        {
            throw Invalid($"magic 0x{actualMagic:X8} is not 0x{magic:X8}; the stream does not hold a {_file} here");
        }
        byte actualVersion = ReadByte();
        if (actualVersion != version)
        {
            throw Invalid($"format version {actualVersion} is not supported (expected {version})");
        }
    }

    /// <summary>Reads a record's trailing CRC-32 and compares it with the bytes read since its head.</summary>
    public void VerifyRecordChecksum()
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

    public byte ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        Read(one, "a byte");
        return one[0];
    }

    public uint ReadUInt32(string what)
    {
        Span<byte> four = stackalloc byte[4];
        Read(four, what);
        return BinaryPrimitives.ReadUInt32LittleEndian(four);
    }

    public int ReadInt32(string what) => (int)ReadUInt32(what);

    public long ReadInt64(string what)
    {
        Span<byte> eight = stackalloc byte[8];
        Read(eight, what);
        return BinaryPrimitives.ReadInt64LittleEndian(eight);
    }

    public float ReadSingle(string what) => BitConverter.Int32BitsToSingle(ReadInt32(what));

    public double ReadDouble(string what) => BitConverter.Int64BitsToDouble(ReadInt64(what));

    /// <summary>Reads an int32 count in 0..<paramref name="max"/> whose entries need at least <paramref name="minEntryBytes"/> each.</summary>
    public int ReadInt32Count(string what, int max, int minEntryBytes)
    {
        int count = ReadInt32(what);
        if (count < 0 || count > max)
        {
            throw InvalidPart($"has {what} {count}; allowed 0..{max}");
        }
        if ((long)count * minEntryBytes > Remaining)
        {
            throw InvalidPart($"declares {what} {count}, more than its remaining {Remaining} bytes can hold (truncated or corrupt)");
        }
        return count;
    }

    /// <summary>Reads a canonical (shortest-form) 7-bit varint in 0..<paramref name="max"/>.</summary>
    public int ReadVarCount(string what, int max)
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

    /// <summary>Reads an int32 byte length and that many bytes of strict UTF-8 (the model file's strings).</summary>
    public string ReadString(string what)
    {
        int length = ReadInt32($"the length of {what}");
        if (length < 0 || length > Remaining)
        {
            throw InvalidPart($"declares {what} of {length} bytes, but only {Remaining} bytes remain (truncated or corrupt)");
        }
        return ReadUtf8(length, what) ?? throw InvalidPart($"holds {what}, which is not well-formed UTF-8");
    }

    /// <summary>Reads <paramref name="byteLength"/> bytes of strict UTF-8 (the records' strings, after a varint length).</summary>
    public string ReadStrictUtf8(int byteLength, string what) =>
        ReadUtf8(byteLength, what) ?? throw Invalid($"{what} is not well-formed UTF-8");

    // The string, or null when the bytes are not well-formed UTF-8.
    private string? ReadUtf8(int byteLength, string what)
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
            Read(bytes.AsSpan(filled, want), what);
            filled += want;
        }
        try
        {
            return StrictUtf8.GetString(bytes, 0, byteLength);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>Reads little-endian floats into <paramref name="destination"/>, rejecting NaN and infinity.</summary>
    public void ReadFiniteFloats(Span<float> destination, string parameterName)
    {
        Span<byte> bytes = MemoryMarshal.AsBytes(destination);
        Read(bytes, $"the values of parameter '{parameterName}'");
        if (!BitConverter.IsLittleEndian)
        {
            Span<int> bits = MemoryMarshal.Cast<float, int>(destination);
            BinaryPrimitives.ReverseEndianness(bits, bits);
        }
        int bad = FiniteCheck.IndexOfNonFinite(destination);
        if (bad >= 0)
        {
            throw Invalid($"parameter '{parameterName}' has a non-finite value ({destination[bad]}) at element {bad}; weights must be finite numbers");
        }
    }

    /// <summary>Moves past bytes that another reader consumed from the same stream.</summary>
    public void Skip(long count)
    {
        if (count > Remaining)
        {
            throw InvalidPart("ends while reading a record (truncated or inconsistent lengths)");
        }
        _read += count;
    }

    /// <summary>Throws unless the part has been read to its limit.</summary>
    public void ExpectEnd()
    {
        if (Remaining != 0)
        {
            throw InvalidPart($"has {Remaining} unexpected bytes after its last field");
        }
    }

    private void Read(Span<byte> destination, string what)
    {
        ReadRaw(destination, what);
        if (_checksumming)
        {
            _crc = Crc32.Append(_crc, destination);
        }
    }

    private void ReadRaw(Span<byte> destination, string what)
    {
        if (destination.Length > Remaining)
        {
            throw InvalidPart($"ends while reading {what} (truncated or inconsistent lengths)");
        }
        int total = 0;
        try
        {
            while (total < destination.Length)
            {
                int n = _stream.Read(destination[total..]);
                if (n <= 0)
                {
                    throw InvalidPart($"ends while reading {what} (truncated)");
                }
                total += n;
            }
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"Invalid {_file}: {_part} ends while reading {what} (truncated).", e);
        }
        _read += total;
    }
}
