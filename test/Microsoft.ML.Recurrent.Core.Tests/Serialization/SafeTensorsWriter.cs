using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Microsoft.ML.Recurrent.Tests.Serialization;

/// <summary>Writes the safetensors format by hand (8-byte header length, JSON header, raw data), as tests need it.</summary>
internal static class SafeTensorsWriter
{
    internal sealed record Entry(string Name, string DataType, int[] Shape, byte[] Data);

    internal static Entry F32(string name, int[] shape, IEnumerable<double> values) =>
        new(name, "F32", shape, [.. values.SelectMany(v => BitConverter.GetBytes((float)v))]);

    internal static Entry F64(string name, int[] shape, IEnumerable<double> values) =>
        new(name, "F64", shape, [.. values.SelectMany(BitConverter.GetBytes)]);

    internal static Entry F16(string name, int[] shape, IEnumerable<double> values) =>
        new(name, "F16", shape, [.. values.SelectMany(v => BitConverter.GetBytes((Half)v))]);

    internal static Entry BF16(string name, int[] shape, IEnumerable<double> values) =>
        new(name, "BF16", shape, [.. values.SelectMany(v => BitConverter.GetBytes((ushort)(BitConverter.SingleToInt32Bits((float)v) >>> 16)))]);

    /// <summary>The file's bytes: entries laid out one after another in the order given.</summary>
    internal static byte[] Write(IEnumerable<Entry> entries, Dictionary<string, string>? metadata = null)
    {
        var header = new Dictionary<string, object>();
        if (metadata is not null)
        {
            header["__metadata__"] = metadata;
        }
        var data = new List<byte>();
        foreach (var e in entries)
        {
            header[e.Name] = new { dtype = e.DataType, shape = e.Shape, data_offsets = new[] { data.Count, data.Count + e.Data.Length } };
            data.AddRange(e.Data);
        }
        return Assemble(JsonSerializer.Serialize(header), [.. data]);
    }

    /// <summary>A file from a raw header text and data (for corrupt files).</summary>
    internal static byte[] Assemble(string headerJson, byte[] data)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }
}
