using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Serialization.Onnx;

/// <summary>
/// The ONNX graph of a <see cref="SequenceModel"/>: input (token Gather or numeric features, standardised when asked),
/// one ONNX RNN/LSTM/GRU node per stacked layer (time-major, both directions in one node, <c>sequence_lens</c> from the
/// lengths input), then the head. Shapes in comments: B batch, T time, I input, H hidden, D directions, C outputs.
/// </summary>
internal sealed class OnnxModelGraph
{
    private readonly SequenceModel _model;
    private readonly OnnxGraph _g;
    private readonly string _lengths;
    private readonly HashSet<string> _constants = new(StringComparer.Ordinal);
    private string? _mask;
    private string? _steps;
    private string? _lengths64;
    private string _timeMajorInput = "";

    private OnnxModelGraph(SequenceModel model, OnnxGraph graph, string lengths)
    {
        _model = model;
        _g = graph;
        _lengths = lengths;
    }

    /// <summary>Adds the whole model to <paramref name="graph"/>.</summary>
    public static void Build(SequenceModel model, OnnxGraph graph, double? mean, double? std)
    {
        CheckSupported(model.Options);
        var o = model.Options;
        string input = o.UsesTokens
            ? graph.Input(OnnxExporter.TokensInput, OnnxGraph.Int64, "batch", "sequence")
            : graph.Input(OnnxExporter.FeaturesInput, OnnxGraph.Float, "batch", "sequence", o.InputFeatures);
        string lengths = graph.Input(OnnxExporter.LengthsInput, OnnxGraph.Int32, "batch");
        var builder = new OnnxModelGraph(model, graph, lengths);
        string x = o.UsesTokens
            ? graph.Node("Gather", [graph.Initializer("embedding.weight", model.Parameters.GetValues(model.Embedding!), o.VocabularySize, o.EmbeddingSize), input])
            : builder.Standardise(input, mean, std);
        builder._timeMajorInput = graph.Node("Transpose", [x], [OnnxAttribute.Ints("perm", 1, 0, 2)]);
        builder.Head(builder.Recurrent(builder._timeMajorInput), mean, std);
    }

    /// <summary>A configuration the exporter does not know names the feature (later releases may add them).</summary>
    internal static void CheckSupported(SequenceModelOptions o)
    {
        if (!Enum.IsDefined(o.Task) || o.Task > SequenceTask.Regression)
        {
            throw new NotSupportedException($"ONNX export does not support the sequence task '{o.Task}'.");
        }
        if (o.Cell is not (RecurrentCellKind.Lstm or RecurrentCellKind.Gru or RecurrentCellKind.RnnTanh or RecurrentCellKind.RnnRelu))
        {
            throw new NotSupportedException($"ONNX export does not support the recurrent cell '{o.Cell}'.");
        }
        if (o.Pooling is not (SequencePooling.Last or SequencePooling.Mean or SequencePooling.Max))
        {
            throw new NotSupportedException($"ONNX export does not support the sequence pooling '{o.Pooling}' (supported: Last, Mean, Max).");
        }
        if (o.UsesNgrams)
        {
            throw new NotSupportedException($"ONNX export does not support the linear n-gram part (NgramBuckets {o.NgramBuckets}); a text classifier trained with NgramEnsemble and WideNgrams false has none.");
        }
    }

    // (B, T, F) features -> (x - mean) / std, when the model was trained on standardised values.
    private string Standardise(string features, double? mean, double? std) => mean is null
        ? features
        : _g.Node("Div", [_g.Node("Sub", [features, Scalar("input_mean", (float)mean.Value)]), Scalar("input_std", (float)std!.Value)]);

    /// <summary>The stacked layers over (T, B, I); returns the top layer's outputs (T, B, D*H) and final hidden states (D, B, H).</summary>
    private (string Outputs, string FinalHidden) Recurrent(string x)
    {
        var o = _model.Options;
        var layer = _model.Recurrent;
        int dirs = o.IsBidirectional ? 2 : 1, h = o.HiddenSize;
        string outputs = x, finalHidden = "";
        for (int k = 0; k < o.NumLayers; k++)
        {
            var weights = LayerWeights(layer, k, dirs);
            var attributes = new List<OnnxAttribute>
            {
                OnnxAttribute.Int("hidden_size", h),
                OnnxAttribute.String("direction", dirs == 2 ? "bidirectional" : "forward"),
            };
            string op = o.Cell switch { RecurrentCellKind.Lstm => "LSTM", RecurrentCellKind.Gru => "GRU", _ => "RNN" };
            if (o.Cell == RecurrentCellKind.Gru)
            {
                // PyTorch applies the reset gate after the recurrent product: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).
                attributes.Add(OnnxAttribute.Int("linear_before_reset", 1));
            }
            if (o.Cell is RecurrentCellKind.RnnTanh or RecurrentCellKind.RnnRelu)
            {
                string activation = o.Cell == RecurrentCellKind.RnnRelu ? "Relu" : "Tanh";
                attributes.Add(OnnxAttribute.Strings("activations", [.. Enumerable.Repeat(activation, dirs)]));
            }
            var result = _g.Node(op, [outputs, weights.W, weights.R, weights.B, _lengths], 2, [.. attributes]);
            // Y (T, D, B, H) -> (T, B, D, H) -> (T, B, D*H): the next layer's input, or the head's.
            string y = _g.Node("Transpose", [result[0]], [OnnxAttribute.Ints("perm", 0, 2, 1, 3)]);
            outputs = _g.Node("Reshape", [y, Constant("shape_tb_flat", 0, 0, -1)]);
            finalHidden = result[1];
        }
        return (outputs, finalHidden);
    }

    // ONNX weights of layer k: W (D, G*H, I), R (D, G*H, H), B (D, 2*G*H) with the gate blocks in ONNX's order.
    private (string W, string R, string B) LayerWeights(RecurrentLayer layer, int k, int dirs)
    {
        var p = _model.Parameters;
        var o = layer.Options;
        int h = o.HiddenSize, gates = o.GateCount, inSize = k == 0 ? o.InputSize : dirs * h;
        // PyTorch's gate order LSTM i,f,g,o and GRU r,z,n; ONNX's LSTM i,o,f,c and GRU z,r,h: the PyTorch block of each ONNX block.
        int[] order = o.Cell switch
        {
            RecurrentCellKind.Lstm => [0, 3, 1, 2],
            RecurrentCellKind.Gru => [1, 0, 2],
            _ => [0],
        };
        var w = new float[dirs * gates * h * inSize];
        var r = new float[dirs * gates * h * h];
        var b = new float[dirs * 2 * gates * h];
        for (int d = 0; d < dirs; d++)
        {
            int slot = k * dirs + d;
            Reorder(p.GetValues(layer.WeightIh(slot)), order, h * inSize, w.AsSpan(d * gates * h * inSize, gates * h * inSize));
            Reorder(p.GetValues(layer.WeightHh(slot)), order, h * h, r.AsSpan(d * gates * h * h, gates * h * h));
            var bias = b.AsSpan(d * 2 * gates * h, 2 * gates * h);
            Reorder(p.GetValues(layer.BiasIh(slot)!), order, h, bias[..(gates * h)]);
            Reorder(p.GetValues(layer.BiasHh(slot)!), order, h, bias[(gates * h)..]);
        }
        return (_g.Initializer($"layer{k}.W", w, dirs, gates * h, inSize),
            _g.Initializer($"layer{k}.R", r, dirs, gates * h, h),
            _g.Initializer($"layer{k}.B", b, dirs, 2 * gates * h));
    }

    private static void Reorder(ReadOnlySpan<float> source, int[] order, int blockSize, Span<float> destination)
    {
        for (int i = 0; i < order.Length; i++)
        {
            source.Slice(order[i] * blockSize, blockSize).CopyTo(destination.Slice(i * blockSize, blockSize));
        }
    }

    private void Head((string Outputs, string FinalHidden) top, double? mean, double? std)
    {
        var o = _model.Options;
        int classes = o.HeadOutputs, width = _model.FeatureSize;
        var weight = _model.Parameters.GetValues(_model.HeadWeight);
        string bias = _g.Initializer("fc.bias", _model.Parameters.GetValues(_model.HeadBias), classes);
        if (_model.IsPerStep)
        {
            // (T, B, F) -> (B, T, F) @ fc.weight^T (F, C) + fc.bias -> (B, T, C)
            var transposed = new float[width * classes];
            for (int c = 0; c < classes; c++)
            {
                for (int j = 0; j < width; j++)
                {
                    transposed[j * classes + c] = weight[c * width + j];
                }
            }
            string batchFirst = _g.Node("Transpose", [top.Outputs], [OnnxAttribute.Ints("perm", 1, 0, 2)]);
            string product = _g.Node("MatMul", [batchFirst, _g.Initializer("fc.weight_t", transposed, width, classes)]);
            string logits = _g.Node("Add", [product, bias], output: OnnxExporter.LogitsOutput);
            _g.Node("Softmax", [logits], [OnnxAttribute.Int("axis", -1)], OnnxExporter.ProbabilitiesOutput);
            _g.Output(OnnxExporter.LogitsOutput, OnnxGraph.Float, "batch", "sequence", classes);
            _g.Output(OnnxExporter.ProbabilitiesOutput, OnnxGraph.Float, "batch", "sequence", classes);
            return;
        }
        string pooled = Pool(top);
        string w = _g.Initializer("fc.weight", weight, classes, width);
        if (o.Task == SequenceTask.Regression)
        {
            string raw = _g.Node("Gemm", [pooled, w, bias], [OnnxAttribute.Int("transB", 1)], mean is null && !o.PredictChange ? OnnxExporter.PredictionOutput : null);
            if (o.PredictChange)
            {
                raw = _g.Node("Add", [raw, LastInputs(classes)], output: mean is null ? OnnxExporter.PredictionOutput : null);
            }
            if (mean is not null)
            {
                // Back to the original units: y * std + mean.
                _g.Node("Add", [_g.Node("Mul", [raw, Scalar("output_std", (float)std!.Value)]), Scalar("output_mean", (float)mean.Value)],
                    output: OnnxExporter.PredictionOutput);
            }
            _g.Output(OnnxExporter.PredictionOutput, OnnxGraph.Float, "batch", classes);
            return;
        }
        string scores = _g.Node("Gemm", [pooled, w, bias], [OnnxAttribute.Int("transB", 1)], OnnxExporter.LogitsOutput);
        _g.Node("Softmax", [scores], [OnnxAttribute.Int("axis", 1)], OnnxExporter.ProbabilitiesOutput);
        _g.Output(OnnxExporter.LogitsOutput, OnnxGraph.Float, "batch", classes);
        _g.Output(OnnxExporter.ProbabilitiesOutput, OnnxGraph.Float, "batch", classes);
    }

    /// <summary>(B, D*H) summary of each sequence over its valid steps only.</summary>
    private string Pool((string Outputs, string FinalHidden) top)
    {
        switch (_model.Options.Pooling)
        {
            case SequencePooling.Last:
                // Y_h (D, B, H): forward state at the last valid step, reverse state after step 0 -> (B, D, H) -> (B, D*H).
                string batchFirst = _g.Node("Transpose", [top.FinalHidden], [OnnxAttribute.Ints("perm", 1, 0, 2)]);
                return _g.Node("Reshape", [batchFirst, Constant("shape_b_flat", 0, -1)]);
            case SequencePooling.Mean:
                string mask = _g.Node("Unsqueeze", [_g.Node("Cast", [ValidSteps()], [OnnxAttribute.Int("to", OnnxGraph.Float)]), Constant("axis_2", 2)]);
                string sum = _g.Node("ReduceSum", [_g.Node("Mul", [top.Outputs, mask]), Constant("axis_0", 0)], [OnnxAttribute.Int("keepdims", 0)]);
                string count = _g.Node("Unsqueeze", [_g.Node("Cast", [_lengths], [OnnxAttribute.Int("to", OnnxGraph.Float)]), Constant("axis_1", 1)]);
                return _g.Node("Div", [sum, count]);
            default:
                string valid = _g.Node("Unsqueeze", [ValidSteps(), Constant("axis_2", 2)]);
                string masked = _g.Node("Where", [valid, top.Outputs, Scalar("minus_infinity", float.NegativeInfinity)]);
                return _g.Node("ReduceMax", [masked], [OnnxAttribute.Ints("axes", 0), OnnxAttribute.Int("keepdims", 0)]);
        }
    }

    // (T, B) bool: whether step t is within sequence b's length. T is the time axis of the time-major input.
    private string ValidSteps()
    {
        if (_mask is null)
        {
            _mask = _g.Node("Less", [Steps(), _g.Node("Unsqueeze", [Lengths64(), Constant("axis_0", 0)])]);
        }
        return _mask;
    }

    // (T, 1) int64: the step indices 0..T-1 of the time-major input.
    private string Steps()
    {
        if (_steps is null)
        {
            string time = _g.Node("Squeeze", [_g.Node("Shape", [_timeMajorInput], [OnnxAttribute.Int("start", 0), OnnxAttribute.Int("end", 1)])]);
            _steps = _g.Node("Unsqueeze", [_g.Node("Range", [_g.Int64Scalar("zero", 0), time, _g.Int64Scalar("one", 1)]), Constant("axis_1", 1)]);
        }
        return _steps;
    }

    // (B) int64 lengths.
    private string Lengths64() => _lengths64 ??= _g.Node("Cast", [_lengths], [OnnxAttribute.Int("to", OnnxGraph.Int64)]);

    // (B, O) PredictChange: the last valid step's first O (standardised) input features, which the output adds. The step
    // is picked by a one-hot (T, B) mask of t == length - 1 summed over time, as Mean pooling sums its valid steps.
    private string LastInputs(int outputs)
    {
        string lastStep = _g.Node("Sub", [_g.Node("Unsqueeze", [Lengths64(), Constant("axis_0", 0)]), _g.Int64Scalar("one_last", 1)]);
        string oneHot = _g.Node("Cast", [_g.Node("Equal", [Steps(), lastStep])], [OnnxAttribute.Int("to", OnnxGraph.Float)]);
        string picked = _g.Node("Mul", [_timeMajorInput, _g.Node("Unsqueeze", [oneHot, Constant("axis_2", 2)])]);
        string last = _g.Node("ReduceSum", [picked, Constant("axis_0", 0)], [OnnxAttribute.Int("keepdims", 0)]);
        return outputs == _model.Options.InputFeatures
            ? last
            : _g.Node("Slice", [last, Constant("slice_start", 0), Constant("slice_end", outputs), Constant("axis_1", 1)]);
    }

    private string Scalar(string name, float value) => _g.Initializer(name, [value], []);

    // A rank-1 int64 constant, added once per name.
    private string Constant(string name, params long[] values)
    {
        if (_constants.Add(name))
        {
            _g.Int64Initializer(name, values);
        }
        return name;
    }
}
