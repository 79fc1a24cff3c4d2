using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.SavedModel;
using Microsoft.ML.Recurrent.Serialization;

namespace Microsoft.ML.Recurrent;

public static partial class RecurrentModels
{
    /// <summary>
    /// Exports the recurrent model inside a transformer — a fitted one or one loaded with <c>mlContext.Model.Load</c> —
    /// to an ONNX file that ONNX Runtime, ML.NET's <c>ApplyOnnxModel</c> or any ONNX consumer can score (see
    /// docs/onnx.md for its inputs, outputs and metadata). ML.NET's own <c>mlContext.Model.ConvertToOnnx</c> cannot
    /// do this: it converts only the transforms ML.NET itself knows, and offers no extension point for a plugin.
    /// </summary>
    /// <remarks>
    /// The ONNX model starts at token ids (or series values), not at text: tokenise with the model's own
    /// <see cref="Text.TextSequencer"/> (<c>RecurrentModels.FromTransformer(model).Sequencer.Encode(text)</c>) or with the
    /// vocabulary stored in the ONNX metadata, and cut to the trained maximum length (metadata
    /// <c>numeric.max_sequence_length</c>) as the transformer does. A series regressor's standardisation is inside the
    /// graph: feed the series in its original units and read the prediction in them.
    /// <code>
    /// var model = pipeline.Fit(trainData);
    /// RecurrentModels.ExportToOnnx(model, "sentiment.onnx");
    /// </code>
    /// </remarks>
    /// <param name="transformer">A recurrent transformer, or a chain that holds one.</param>
    /// <param name="path">The <c>.onnx</c> file to write (replaced atomically).</param>
    /// <exception cref="ArgumentException">The transformer holds no recurrent model.</exception>
    /// <exception cref="NotSupportedException">The model uses a feature ONNX export does not support; the message names it.</exception>
    public static void ExportToOnnx(ITransformer transformer, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bundle = SingleModel(transformer);
        OnnxExporter.Export(bundle, path, OnnxOptions(bundle));
    }

    /// <summary>Exports the recurrent model inside a transformer to ONNX, written to a stream (see <see cref="ExportToOnnx(ITransformer, string)"/>).</summary>
    /// <param name="transformer">A recurrent transformer, or a chain that holds one.</param>
    /// <param name="stream">A writable stream; it is not closed.</param>
    /// <exception cref="ArgumentException">The transformer holds no recurrent model.</exception>
    /// <exception cref="NotSupportedException">The model uses a feature ONNX export does not support; the message names it.</exception>
    public static void ExportToOnnx(ITransformer transformer, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var bundle = SingleModel(transformer);
        OnnxExporter.Export(bundle, stream, OnnxOptions(bundle));
    }

    // ONNX gets one model's graph: an ensemble's average is not exported (rather than export one member as if it were the model).
    private static RecurrentModelFile SingleModel(ITransformer transformer)
    {
        var members = MembersFromTransformer(transformer);
        return members.Count == 1 ? members[0] : throw new NotSupportedException(
            $"The transformer holds an ensemble of {members.Count} text classifiers, whose mean ONNX export does not support; train with EnsembleSize = 1 to export, or export each of RecurrentModels.MembersFromTransformer's models.");
    }

    // A series regressor reads and predicts standardised values; the graph does the standardisation as the plugin does.
    private static OnnxExportOptions OnnxOptions(RecurrentModelFile bundle)
    {
        var o = bundle.Model.Options;
        if (o.Task != SequenceTask.Regression || o.UsesTokens)
        {
            return new OnnxExportOptions();
        }
        var numbers = StoredNumbers.Read(bundle);
        return new OnnxExportOptions { StandardizationMean = numbers.SeriesMean, StandardizationStd = numbers.SeriesStd };
    }
}
