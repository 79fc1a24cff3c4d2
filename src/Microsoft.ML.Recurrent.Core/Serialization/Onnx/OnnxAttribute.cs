namespace Microsoft.ML.Recurrent.Serialization.Onnx;

/// <summary>A node attribute: an int64, float, string, int64 list or string list.</summary>
internal readonly record struct OnnxAttribute(string Name, object Value)
{
    public static OnnxAttribute Int(string name, long value) => new(name, value);

    public static OnnxAttribute Ints(string name, params long[] values) => new(name, values);

    public static OnnxAttribute String(string name, string value) => new(name, value);

    public static OnnxAttribute Strings(string name, params string[] values) => new(name, values);
}
