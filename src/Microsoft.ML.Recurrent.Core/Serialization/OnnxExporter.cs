using System.Globalization;
using System.Text.Json;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Serialization.Onnx;

namespace Microsoft.ML.Recurrent.Serialization;

/// <summary>
/// Exports a <see cref="RecurrentModelFile"/> to an ONNX model (opset <see cref="Opset"/>) that gives the same outputs
/// as the model for batches of variable-length sequences: the embedding is a <c>Gather</c>, every recurrent layer
/// is ONNX's own <c>RNN</c>, <c>LSTM</c> or <c>GRU</c> operator with <c>sequence_lens</c>, and the head pools over the
/// valid steps only. The vocabulary, label names and the model's settings go into the model's metadata. See
/// docs/onnx.md for the names, shapes and metadata keys.
/// </summary>
/// <remarks>
/// Inputs: <see cref="TokensInput"/> int64 (batch, sequence) for a token model, or <see cref="FeaturesInput"/> float
/// (batch, sequence, features) for a numeric one; and <see cref="LengthsInput"/> int32 (batch), each in 1..sequence.
/// Steps past a sequence's length are ignored (their token ids must still be valid ids, e.g. the padding id).
/// Outputs: <see cref="LogitsOutput"/> and <see cref="ProbabilitiesOutput"/>, (batch, C) for a classifier and
/// (batch, sequence, C) for a language model or tagger (rows past a sequence's length hold the head's bias and mean
/// nothing); <see cref="PredictionOutput"/> (batch, outputs) for a regressor.
/// </remarks>
public static class OnnxExporter
{
    /// <summary>The ONNX operator set the exported models use (ONNX Runtime supports it since 1.13).</summary>
    public const int Opset = 17;

    /// <summary>The ONNX IR version of the exported models (the one that goes with opset 17).</summary>
    public const int IrVersion = 8;

    /// <summary>Input of a token model: int64 token ids, shape (batch, sequence).</summary>
    public const string TokensInput = "tokens";

    /// <summary>Input of a numeric model: float features, shape (batch, sequence, features).</summary>
    public const string FeaturesInput = "features";

    /// <summary>Input of every model: int32 valid lengths, shape (batch).</summary>
    public const string LengthsInput = "lengths";

    /// <summary>Output of classifiers, language models and taggers: the head's raw scores.</summary>
    public const string LogitsOutput = "logits";

    /// <summary>Output of classifiers, language models and taggers: the softmax of <see cref="LogitsOutput"/> over classes.</summary>
    public const string ProbabilitiesOutput = "probabilities";

    /// <summary>Output of regressors: the predicted values, shape (batch, outputs).</summary>
    public const string PredictionOutput = "prediction";

    /// <summary>Writes the ONNX model to a file (replacing it).</summary>
    /// <param name="model">The model file to export; not null.</param>
    /// <param name="path">The file to write, by convention ending in <c>.onnx</c>.</param>
    /// <param name="options">Export options; null for the defaults.</param>
    /// <exception cref="NotSupportedException">The model uses a feature ONNX export does not support; the message names it.</exception>
    /// <exception cref="ArgumentException">The options do not fit the model.</exception>
    public static void Export(RecurrentModelFile model, string path, OnnxExportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = ToBytes(model, options);
        AtomicFile.Write(path, file => file.Write(bytes));
    }

    /// <summary>Writes the ONNX model to a stream at its position (the stream is not closed).</summary>
    /// <param name="model">The model file to export; not null.</param>
    /// <param name="stream">A writable stream; not null.</param>
    /// <param name="options">Export options; null for the defaults.</param>
    /// <exception cref="NotSupportedException">The model uses a feature ONNX export does not support; the message names it.</exception>
    /// <exception cref="ArgumentException">The options do not fit the model.</exception>
    public static void Export(RecurrentModelFile model, Stream stream, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(ToBytes(model, options));
    }

    /// <summary>The ONNX model as bytes.</summary>
    /// <param name="model">The model file to export; not null.</param>
    /// <param name="options">Export options; null for the defaults.</param>
    /// <returns>A serialized ONNX ModelProto.</returns>
    /// <exception cref="NotSupportedException">The model uses a feature ONNX export does not support; the message names it.</exception>
    /// <exception cref="ArgumentException">The options do not fit the model.</exception>
    public static byte[] ToBytes(RecurrentModelFile model, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new OnnxExportOptions();
        var o = model.Model.Options;
        options.Validate(o);
        for (int i = 0; i < model.Model.Parameters.Values.Length; i++)
        {
            if (!float.IsFinite(model.Model.Parameters.Values[i]))
            {
                throw new InvalidOperationException("The model has a NaN or infinite weight; it cannot be exported.");
            }
        }
        var graph = new OnnxGraph();
        OnnxModelGraph.Build(model.Model, graph, options.StandardizationMean, options.StandardizationStd);
        AddMetadata(graph, model, options);
        using var stream = new MemoryStream();
        string version = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "";
        graph.WriteModel(stream, IrVersion, Opset, version,
            $"A recurrent {o.Task} model ({o.Cell}, {o.NumLayers} layer(s), hidden size {o.HiddenSize}{(o.IsBidirectional ? ", bidirectional" : "")}) exported by Microsoft.ML.Recurrent.",
            "recurrent_" + o.Task.ToString().ToLowerInvariant());
        return stream.ToArray();
    }

    private static void AddMetadata(OnnxGraph graph, RecurrentModelFile model, OnnxExportOptions options)
    {
        var o = model.Model.Options;
        graph.Metadata("recurrent.task", o.Task.ToString());
        graph.Metadata("recurrent.cell", o.Cell.ToString());
        graph.Metadata("recurrent.hidden_size", o.HiddenSize.ToString(CultureInfo.InvariantCulture));
        graph.Metadata("recurrent.num_layers", o.NumLayers.ToString(CultureInfo.InvariantCulture));
        graph.Metadata("recurrent.bidirectional", o.IsBidirectional ? "true" : "false");
        graph.Metadata("recurrent.pooling", o.Pooling.ToString());
        graph.Metadata("recurrent.outputs", o.HeadOutputs.ToString(CultureInfo.InvariantCulture));
        if (model.Sequencer is { } sequencer)
        {
            var vocabulary = sequencer.Vocabulary;
            graph.Metadata("recurrent.tokenizer", sequencer.Tokenizer.Kind.ToString());
            graph.Metadata("recurrent.vocabulary", JsonSerializer.Serialize(vocabulary.Tokens));
            graph.Metadata("recurrent.pad_id", vocabulary.PadId.ToString(CultureInfo.InvariantCulture));
            graph.Metadata("recurrent.unknown_id", vocabulary.UnknownId.ToString(CultureInfo.InvariantCulture));
            graph.Metadata("recurrent.begin_id", vocabulary.BeginId.ToString(CultureInfo.InvariantCulture));
            graph.Metadata("recurrent.end_id", vocabulary.EndId.ToString(CultureInfo.InvariantCulture));
        }
        if (model.LabelNames is { } labels)
        {
            graph.Metadata("recurrent.label_names", JsonSerializer.Serialize(labels));
        }
        if (options.StandardizationMean is double mean)
        {
            graph.Metadata("recurrent.standardization_mean", mean.ToString("R", CultureInfo.InvariantCulture));
            graph.Metadata("recurrent.standardization_std", options.StandardizationStd!.Value.ToString("R", CultureInfo.InvariantCulture));
        }
        foreach (var (key, value) in model.NumericMetadata)
        {
            graph.Metadata("numeric." + key, value.ToString("R", CultureInfo.InvariantCulture));
        }
        foreach (var (key, value) in model.Metadata)
        {
            graph.Metadata("metadata." + key, value);
        }
    }
}
