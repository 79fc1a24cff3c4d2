namespace Microsoft.ML.Recurrent.Serialization.Onnx;

/// <summary>
/// Builds one ONNX model: nodes, initializers, graph inputs and outputs, metadata, written as the ModelProto of the ONNX
/// specification (onnx.proto; field numbers in the constants below). Node outputs get unique generated names.
/// </summary>
internal sealed class OnnxGraph
{
    /// <summary>ONNX tensor element types (TensorProto.DataType).</summary>
    public const int Float = 1, Bool = 9, Int32 = 6, Int64 = 7;

    // ModelProto
    private const int ModelIrVersion = 1, ModelProducerName = 2, ModelProducerVersion = 3, ModelDocString = 6, ModelGraph = 7,
        ModelOpsetImport = 8, ModelMetadataProps = 14;

    // OperatorSetIdProto, StringStringEntryProto
    private const int OpsetVersion = 2, EntryKey = 1, EntryValue = 2;

    // GraphProto
    private const int GraphNode = 1, GraphName = 2, GraphInitializer = 5, GraphInput = 11, GraphOutput = 12;

    // NodeProto
    private const int NodeInput = 1, NodeOutput = 2, NodeName = 3, NodeOpType = 4, NodeAttribute = 5;

    // AttributeProto and its AttributeType values
    private const int AttributeName = 1, AttributeFloat = 2, AttributeInt = 3, AttributeString = 4, AttributeInts = 8,
        AttributeStrings = 9, AttributeType = 20;

    private const int TypeFloat = 1, TypeInt = 2, TypeString = 3, TypeInts = 7, TypeStrings = 8;

    // TensorProto
    private const int TensorDims = 1, TensorDataType = 2, TensorName = 8, TensorRawData = 9;

    // ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto, TensorShapeProto.Dimension
    private const int ValueName = 1, ValueType = 2, TypeTensor = 1, TensorElemType = 1, TensorShape = 2, ShapeDim = 1,
        DimValue = 1, DimParam = 2;

    private readonly ProtoWriter _graph = new();
    private readonly List<(string Key, string Value)> _metadata = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _nodeCount;

    /// <summary>Adds a graph input; a dimension is a number or a symbolic name (a dynamic axis).</summary>
    public string Input(string name, int elementType, params object[] dims)
    {
        Reserve(name);
        _graph.WriteMessage(GraphInput, v => WriteValueInfo(v, name, elementType, dims));
        return name;
    }

    /// <summary>Declares a graph output: a value some node already produced.</summary>
    public void Output(string name, int elementType, params object[] dims) =>
        _graph.WriteMessage(GraphOutput, v => WriteValueInfo(v, name, elementType, dims));

    /// <summary>A constant float tensor (row-major values).</summary>
    public string Initializer(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        Reserve(name);
        var tensor = new ProtoWriter();
        tensor.WritePackedInt64(TensorDims, dims);
        tensor.WriteInt64(TensorDataType, Float);
        tensor.WriteString(TensorName, name);
        tensor.WriteFloatsAsBytes(TensorRawData, values);
        _graph.WriteMessage(GraphInitializer, tensor);
        return name;
    }

    /// <summary>A constant int64 tensor of rank 1 (shapes, axes).</summary>
    public string Int64Initializer(string name, params long[] values) => Int64Tensor(name, values, [values.Length]);

    /// <summary>A constant int64 scalar (rank 0).</summary>
    public string Int64Scalar(string name, long value) => Int64Tensor(name, [value], []);

    private string Int64Tensor(string name, long[] values, long[] dims)
    {
        Reserve(name);
        var tensor = new ProtoWriter();
        tensor.WritePackedInt64(TensorDims, dims);
        tensor.WriteInt64(TensorDataType, Int64);
        tensor.WriteString(TensorName, name);
        var bytes = new byte[values.Length * sizeof(long)];
        for (int i = 0; i < values.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), values[i]);
        }
        tensor.WriteBytes(TensorRawData, bytes);
        _graph.WriteMessage(GraphInitializer, tensor);
        return name;
    }

    /// <summary>Adds a node with one output named <paramref name="output"/> (or a generated name) and returns that name.</summary>
    public string Node(string opType, string[] inputs, OnnxAttribute[]? attributes = null, string? output = null) =>
        Node(opType, inputs, 1, attributes, output is null ? null : [output])[0];

    /// <summary>Adds a node with several outputs (generated names unless given) and returns their names.</summary>
    public string[] Node(string opType, string[] inputs, int outputCount, OnnxAttribute[]? attributes = null, string[]? outputs = null)
    {
        int id = _nodeCount++;
        outputs ??= [.. Enumerable.Range(0, outputCount).Select(i => $"{opType.ToLowerInvariant()}_{id}" + (outputCount > 1 ? $"_{i}" : ""))];
        foreach (string name in outputs)
        {
            Reserve(name);
        }
        _graph.WriteMessage(GraphNode, node =>
        {
            foreach (string input in inputs)
            {
                node.WriteString(NodeInput, input);
            }
            foreach (string output in outputs)
            {
                node.WriteString(NodeOutput, output);
            }
            node.WriteString(NodeName, $"{opType}_{id}");
            node.WriteString(NodeOpType, opType);
            foreach (var attribute in attributes ?? [])
            {
                node.WriteMessage(NodeAttribute, a => WriteAttribute(a, attribute));
            }
        });
        return outputs;
    }

    /// <summary>A model-level metadata property (metadata_props).</summary>
    public void Metadata(string key, string value) => _metadata.Add((key, value));

    /// <summary>Writes the whole ModelProto.</summary>
    public void WriteModel(Stream destination, int irVersion, int opset, string producerVersion, string docString, string graphName)
    {
        var model = new ProtoWriter();
        model.WriteInt64(ModelIrVersion, irVersion);
        model.WriteString(ModelProducerName, "Microsoft.ML.Recurrent");
        model.WriteString(ModelProducerVersion, producerVersion);
        model.WriteString(ModelDocString, docString);
        _graph.WriteString(GraphName, graphName);
        model.WriteMessage(ModelGraph, _graph);
        model.WriteMessage(ModelOpsetImport, o => o.WriteInt64(OpsetVersion, opset));
        foreach (var (key, value) in _metadata)
        {
            model.WriteMessage(ModelMetadataProps, e =>
            {
                e.WriteString(EntryKey, key);
                e.WriteString(EntryValue, value);
            });
        }
        if (model.Length > int.MaxValue)
        {
            throw new NotSupportedException(
                $"The ONNX model would be {model.Length} bytes; a single ONNX protobuf file holds at most 2 GB (external tensor data is not supported by this exporter).");
        }
        model.CopyTo(destination);
    }

    private void Reserve(string name)
    {
        if (!_names.Add(name))
        {
            throw new InvalidOperationException($"The ONNX value name '{name}' is used twice.");
        }
    }

    private static void WriteValueInfo(ProtoWriter v, string name, int elementType, object[] dims)
    {
        v.WriteString(ValueName, name);
        v.WriteMessage(ValueType, type => type.WriteMessage(TypeTensor, tensor =>
        {
            tensor.WriteInt64(TensorElemType, elementType);
            tensor.WriteMessage(TensorShape, shape =>
            {
                foreach (object dim in dims)
                {
                    shape.WriteMessage(ShapeDim, d =>
                    {
                        if (dim is string param)
                        {
                            d.WriteString(DimParam, param);
                        }
                        else
                        {
                            d.WriteInt64(DimValue, Convert.ToInt64(dim, System.Globalization.CultureInfo.InvariantCulture));
                        }
                    });
                }
            });
        }));
    }

    private static void WriteAttribute(ProtoWriter a, OnnxAttribute attribute)
    {
        a.WriteString(AttributeName, attribute.Name);
        switch (attribute.Value)
        {
            case long i:
                a.WriteInt64(AttributeInt, i);
                a.WriteInt64(AttributeType, TypeInt);
                break;
            case float f:
                a.WriteFloat(AttributeFloat, f);
                a.WriteInt64(AttributeType, TypeFloat);
                break;
            case string s:
                a.WriteString(AttributeString, s);
                a.WriteInt64(AttributeType, TypeString);
                break;
            case long[] ints:
                foreach (long i in ints)
                {
                    a.WriteInt64(AttributeInts, i);
                }
                a.WriteInt64(AttributeType, TypeInts);
                break;
            case string[] strings:
                foreach (string s in strings)
                {
                    a.WriteString(AttributeStrings, s);
                }
                a.WriteInt64(AttributeType, TypeStrings);
                break;
            default:
                throw new InvalidOperationException($"Attribute '{attribute.Name}' has an unsupported value type.");
        }
    }
}
