using System.Buffers.Binary;
using System.Text.Json;

namespace Microsoft.ML.Recurrent.Serialization;

/// <summary>One tensor entry of a safetensors header: validated and converted to float32.</summary>
internal static class SafeTensorEntry
{
    /// <summary>Reads and checks <c>{"dtype": ..., "shape": [...], "data_offsets": [begin, end]}</c> against the data.</summary>
    public static (SafeTensor Tensor, long Begin, long End) Read(string name, JsonElement entry, ReadOnlySpan<byte> body)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(name, $"is a JSON {entry.ValueKind}; it must be an object with dtype, shape and data_offsets");
        }
        string dtype = Property(name, entry, "dtype", JsonValueKind.String).GetString()!;
        int size = dtype switch
        {
            "F32" => 4,
            "F16" or "BF16" => 2,
            "F64" => 8,
            _ => throw Invalid(name, $"has dtype '{dtype}'; supported are F32, F16, BF16 and F64 (converted to float32)"),
        };
        var shapeElement = Property(name, entry, "shape", JsonValueKind.Array);
        var shape = new int[shapeElement.GetArrayLength()];
        long count = 1;
        int i = 0;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt32(out int d) || d < 0)
            {
                throw Invalid(name, $"has shape dimension {dim}; dimensions are whole numbers from 0 to {int.MaxValue}");
            }
            shape[i++] = d;
            count *= d;
            if (count > Array.MaxLength)
            {
                throw Invalid(name, $"has shape [{string.Join(", ", shapeElement.EnumerateArray())}], more than {Array.MaxLength} values");
            }
        }
        var offsets = Property(name, entry, "data_offsets", JsonValueKind.Array);
        long begin = -1, end = -1;
        if (offsets.GetArrayLength() != 2 || offsets[0].ValueKind != JsonValueKind.Number || offsets[1].ValueKind != JsonValueKind.Number
            || !offsets[0].TryGetInt64(out begin) || !offsets[1].TryGetInt64(out end) || begin < 0 || end < begin || end > body.Length)
        {
            throw Invalid(name, $"has data_offsets {offsets}; they must be [begin, end] with 0 <= begin <= end <= {body.Length} (the data's size)");
        }
        if (end - begin != count * size)
        {
            throw Invalid(name, $"has {end - begin} bytes of data; shape [{string.Join(", ", shape)}] of {dtype} needs {count * size}");
        }
        var values = Convert(body.Slice((int)begin, (int)(end - begin)), dtype, (int)count);
        int bad = Array.FindIndex(values, v => !float.IsFinite(v));
        if (bad >= 0)
        {
            throw Invalid(name, $"has a non-finite value ({values[bad]}) at index {bad}{(dtype == "F64" ? " (or one beyond the float32 range)" : "")}; weights must be finite");
        }
        return (new SafeTensor(dtype, shape, values), begin, end);
    }

    private static float[] Convert(ReadOnlySpan<byte> bytes, string dtype, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = dtype switch
            {
                "F32" => BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]),
                "F16" => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(i * 2)..]),
                // bfloat16 is the top half of a float32.
                "BF16" => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i * 2)..]) << 16),
                _ => (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * 8)..]),
            };
        }
        return values;
    }

    private static JsonElement Property(string name, JsonElement entry, string property, JsonValueKind kind)
    {
        if (!entry.TryGetProperty(property, out var value) || value.ValueKind != kind)
        {
            throw Invalid(name, $"needs '{property}' as a JSON {kind}");
        }
        return value;
    }

    private static InvalidDataException Invalid(string name, string problem) => new($"Safetensors tensor '{name}' {problem}.");
}
