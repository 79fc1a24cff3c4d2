namespace Microsoft.ML.Recurrent.Serialization;

/// <summary>One tensor of a <see cref="SafeTensorsFile"/>, converted to float32.</summary>
public sealed class SafeTensor
{
    internal SafeTensor(string dataType, int[] shape, float[] values)
    {
        DataType = dataType;
        Shape = Array.AsReadOnly(shape);
        Values = values;
    }

    /// <summary>The element type stored in the file: <c>F32</c>, <c>F16</c>, <c>BF16</c> or <c>F64</c>.</summary>
    public string DataType { get; }

    /// <summary>The shape, outermost dimension first (row-major, as PyTorch stores it).</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The values, row-major, as float32.</summary>
    public ReadOnlyMemory<float> Values { get; }
}
