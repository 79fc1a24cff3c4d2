using System.Buffers;
using System.Buffers.Binary;

namespace Microsoft.ML.Recurrent.Text;

/// <summary>
/// Builds one checksummed record of the text layer's binary format in memory, then writes it out:
/// <c>magic (uint32) | version (byte) | body | CRC-32 of everything before it (uint32)</c>.
/// Integers are little-endian; counts and lengths are canonical 7-bit varints.
/// </summary>
internal sealed class PayloadWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new();

    public PayloadWriter(uint magic, byte version)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.GetSpan(4), magic);
        _buffer.Advance(4);
        WriteByte(version);
    }

    public void WriteByte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    public void WriteCount(int value)
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

    /// <summary>Writes a length-prefixed strict UTF-8 string (the caller has checked it is well-formed).</summary>
    public void WriteString(string value)
    {
        byte[] bytes = Utf16Text.StrictUtf8.GetBytes(value);
        WriteCount(bytes.Length);
        _buffer.Write(bytes);
    }

    /// <summary>Appends the checksum and copies the record to <paramref name="target"/>.</summary>
    public void CopyTo(BinaryWriter target)
    {
        ReadOnlySpan<byte> body = _buffer.WrittenSpan;
        target.Write(body);
        target.Write(Crc32.Compute(body));
    }
}
