using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Microsoft.ML.Recurrent.Serialization.Onnx;

/// <summary>
/// The few protocol-buffer encodings an ONNX file needs, written by hand so that the core library keeps no dependency
/// beyond System.Numerics.Tensors: varint fields, length-delimited fields (strings, bytes, nested messages, packed
/// int64s) and 32-bit floats. A nested message is built in its own writer first, so its length is known when it is
/// written (an ONNX graph nests four levels deep at most, so each byte is copied at most a few times).
/// </summary>
internal sealed class ProtoWriter
{
    // Protocol-buffer wire types.
    private const int Varint = 0;
    private const int LengthDelimited = 2;
    private const int Fixed32 = 5;

    private readonly ArrayBufferWriter<byte> _buffer = new();

    public long Length => _buffer.WrittenCount;

    public void WriteInt64(int field, long value)
    {
        WriteTag(field, Varint);
        WriteVarint((ulong)value);
    }

    public void WriteFloat(int field, float value)
    {
        WriteTag(field, Fixed32);
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(four, value);
        _buffer.Write(four);
    }

    public void WriteString(int field, string value) => WriteBytes(field, Encoding.UTF8.GetBytes(value));

    public void WriteBytes(int field, ReadOnlySpan<byte> value)
    {
        WriteTag(field, LengthDelimited);
        WriteVarint((ulong)value.Length);
        _buffer.Write(value);
    }

    public void WriteMessage(int field, ProtoWriter message)
    {
        WriteTag(field, LengthDelimited);
        WriteVarint((ulong)message._buffer.WrittenCount);
        _buffer.Write(message._buffer.WrittenSpan);
    }

    public void WriteMessage(int field, Action<ProtoWriter> build)
    {
        var message = new ProtoWriter();
        build(message);
        WriteMessage(field, message);
    }

    /// <summary>A packed repeated int64 field.</summary>
    public void WritePackedInt64(int field, ReadOnlySpan<long> values)
    {
        var packed = new ProtoWriter();
        foreach (long v in values)
        {
            packed.WriteVarint((ulong)v);
        }
        WriteMessage(field, packed);
    }

    /// <summary>Floats as little-endian IEEE 754 bytes (ONNX's <c>raw_data</c>).</summary>
    public void WriteFloatsAsBytes(int field, ReadOnlySpan<float> values)
    {
        WriteTag(field, LengthDelimited);
        WriteVarint((ulong)values.Length * sizeof(float));
        if (BitConverter.IsLittleEndian)
        {
            _buffer.Write(MemoryMarshal.AsBytes(values));
            return;
        }
        Span<byte> four = stackalloc byte[4];
        foreach (float v in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(four, v);
            _buffer.Write(four);
        }
    }

    public void CopyTo(Stream destination)
    {
        destination.Write(_buffer.WrittenSpan);
    }

    private void WriteTag(int field, int wireType) => WriteVarint((ulong)((field << 3) | wireType));

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        WriteByte((byte)value);
    }

    private void WriteByte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }
}
