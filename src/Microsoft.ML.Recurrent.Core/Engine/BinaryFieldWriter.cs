using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Microsoft.ML.Recurrent.Engine;

/// <summary>
/// Writes the fields <see cref="BinaryFieldReader"/> reads, into memory: little-endian integers and floats, int32 or
/// canonical 7-bit varint counts and lengths, strict UTF-8, and records framed as
/// <c>magic (uint32) | version (byte) | body | CRC-32 of the record's bytes before it (uint32)</c>. Nothing reaches a
/// destination until the whole file or record has been built, so a failure cannot leave a partial one.
/// </summary>
internal sealed class BinaryFieldWriter : IDisposable
{
    private readonly MemoryStream _stream = new();
    private long _recordStart = -1;
    private bool _detached;

    /// <summary>The bytes written so far.</summary>
    public long Length => _stream.Length;

    /// <summary>The underlying stream, positioned at the end, for a writer of a public record (a BinaryWriter over it).</summary>
    public Stream Stream => _stream;

    public void WriteByte(byte value) => _stream.WriteByte(value);

    public void WriteBytes(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

    public void WriteUInt16(ushort value)
    {
        Span<byte> two = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(two, value);
        _stream.Write(two);
    }

    public void WriteUInt32(uint value)
    {
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(four, value);
        _stream.Write(four);
    }

    public void WriteInt32(int value) => WriteUInt32((uint)value);

    public void WriteInt64(long value)
    {
        Span<byte> eight = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(eight, value);
        _stream.Write(eight);
    }

    public void WriteSingle(float value) => WriteInt32(BitConverter.SingleToInt32Bits(value));

    public void WriteDouble(double value) => WriteInt64(BitConverter.DoubleToInt64Bits(value));

    /// <summary>Writes floats little-endian, as one block on a little-endian machine.</summary>
    public void WriteSingles(ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            _stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }
        foreach (float v in values)
        {
            WriteSingle(v);
        }
    }

    /// <summary>Writes a canonical 7-bit varint (the records' counts and lengths).</summary>
    public void WriteVarCount(int value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        uint rest = (uint)value;
        while (rest >= 0x80)
        {
            WriteByte((byte)(rest | 0x80));
            rest >>= 7;
        }
        WriteByte((byte)rest);
    }

    /// <summary>Writes an int32 byte length and strict UTF-8 (the model file's strings).</summary>
    public void WriteString(string value)
    {
        byte[] bytes = BinaryFieldReader.StrictUtf8.GetBytes(value);
        WriteInt32(bytes.Length);
        WriteBytes(bytes);
    }

    /// <summary>Writes a varint byte length and strict UTF-8 (the records' strings).</summary>
    public void WriteVarString(string value)
    {
        byte[] bytes = BinaryFieldReader.StrictUtf8.GetBytes(value);
        WriteVarCount(bytes.Length);
        WriteBytes(bytes);
    }

    /// <summary>Starts a record: writes <c>magic | version</c> and marks where its checksum begins.</summary>
    public void BeginRecord(uint magic, byte version)
    {
        _recordStart = _stream.Length;
        WriteUInt32(magic);
        WriteByte(version);
    }

    /// <summary>Ends the record begun last: appends the CRC-32 of its bytes.</summary>
    public void EndRecord()
    {
        if (_recordStart < 0)
        {
            throw new InvalidOperationException("EndRecord without BeginRecord.");
        }
        var record = _stream.GetBuffer().AsSpan((int)_recordStart, (int)(_stream.Length - _recordStart));
        _recordStart = -1;
        WriteUInt32(Crc32.Compute(record));
    }

    /// <summary>Overwrites 4 bytes at <paramref name="position"/> (a length known only after what follows it).</summary>
    public void PatchInt32(long position, int value) =>
        BinaryPrimitives.WriteInt32LittleEndian(_stream.GetBuffer().AsSpan((int)position, 4), value);

    /// <summary>Overwrites 8 bytes at <paramref name="position"/>.</summary>
    public void PatchInt64(long position, long value) =>
        BinaryPrimitives.WriteInt64LittleEndian(_stream.GetBuffer().AsSpan((int)position, 8), value);

    /// <summary>The bytes written so far, for patching a hash in place; valid until the next write.</summary>
    public Span<byte> WrittenSpan => _stream.GetBuffer().AsSpan(0, (int)_stream.Length);

    /// <summary>Hands the written bytes over as a stream positioned at 0; the writer is not used after this.</summary>
    public MemoryStream Detach()
    {
        _detached = true;
        _stream.Position = 0;
        return _stream;
    }

    /// <summary>Copies the written bytes to <paramref name="target"/>.</summary>
    public void CopyTo(BinaryWriter target) => target.Write(WrittenSpan);

    /// <summary>Releases the buffer unless <see cref="Detach"/> handed it over.</summary>
    public void Dispose()
    {
        if (!_detached)
        {
            _stream.Dispose();
        }
    }
}
