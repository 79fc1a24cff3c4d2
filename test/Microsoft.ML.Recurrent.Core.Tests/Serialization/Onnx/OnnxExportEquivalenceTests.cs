using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;

namespace Microsoft.ML.Recurrent.Tests.Serialization.Onnx;

/// <summary>
/// ONNX Runtime's outputs of an exported model equal ours within 1e-5 for every cell, direction, depth, head and
/// pooling, on a padded batch of mixed lengths.
/// </summary>
[TestClass]
public sealed class OnnxExportEquivalenceTests
{
    private static readonly int[] _lengths = [5, 1, 7, 3];

    public static IEnumerable<object[]> Configurations()
    {
        foreach (var cell in Enum.GetValues<RecurrentCellKind>())
        {
            foreach (int layers in new[] { 1, 2 })
            {
                foreach (bool bidirectional in new[] { false, true })
                {
                    foreach (var pooling in new[] { SequencePooling.Last, SequencePooling.Mean, SequencePooling.Max })  // the exported poolings (Concat is refused)
                    {
                        yield return [cell, layers, bidirectional, SequenceTask.Classification, pooling];
                    }
                    yield return [cell, layers, bidirectional, SequenceTask.Regression, SequencePooling.Last];
                    yield return [cell, layers, bidirectional, SequenceTask.Tagging, SequencePooling.Last];
                    if (!bidirectional)
                    {
                        yield return [cell, layers, bidirectional, SequenceTask.LanguageModel, SequencePooling.Last];
                    }
                }
            }
        }
    }

    [TestMethod]
    [DynamicData(nameof(Configurations))]
    public void Export_EveryConfiguration_OnnxRuntimeGivesOurOutputs(RecurrentCellKind cell, int layers, bool bidirectional, SequenceTask task, SequencePooling pooling)
    {
        var options = new SequenceModelOptions
        {
            Task = task,
            // Regression reads numeric features (3 per step); the other heads read tokens.
            VocabularySize = task == SequenceTask.Regression ? 0 : 11,
            InputFeatures = 3,
            EmbeddingSize = 4,
            HiddenSize = 5,
            NumLayers = layers,
            Cell = cell,
            Bidirectional = bidirectional,
            Pooling = pooling,
            OutputSize = task == SequenceTask.Regression ? 2 : 3,
        };
        var model = new SequenceModel(options, seed: 7);
        var (examples, tokens, features, maxLength) = OnnxRuntimeRunner.Batch(options, _lengths, seed: 3);
        byte[] onnx = OnnxExporter.ToBytes(new RecurrentModelFile(model));

        var outputs = OnnxRuntimeRunner.Run(onnx, options, _lengths, tokens, features, maxLength);
        float[] ours = OnnxRuntimeRunner.Ours(model, examples, maxLength);

        string label = $"{cell} L{layers} {(bidirectional ? "bi" : "uni")} {task} {pooling}";
        string name = task == SequenceTask.Regression ? OnnxExporter.PredictionOutput : OnnxExporter.LogitsOutput;
        var (values, dims) = outputs[name];
        int classes = options.HeadOutputs;
        int[] expectedDims = model.IsPerStep ? [_lengths.Length, maxLength, classes] : [_lengths.Length, classes];
        CollectionAssert.AreEqual(expectedDims, dims, label + ": shape");
        if (model.IsPerStep)
        {
            // Only the valid steps of each sequence carry predictions.
            for (int b = 0; b < _lengths.Length; b++)
            {
                int start = b * maxLength * classes, count = _lengths[b] * classes;
                TestAssert.AssertClose(ours.AsSpan(start, count), values.AsSpan(start, count), 0, 1e-5, $"{label}, sequence {b}");
            }
        }
        else
        {
            TestAssert.AssertClose(ours, values, 0, 1e-5, label);
        }
    }

    [TestMethod]
    [DataRow(3, SequencePooling.Last, false)]
    [DataRow(2, SequencePooling.Mean, true)]
    public void Export_PredictChange_OnnxRuntimeAddsTheLastValidStepAsWeDo(int outputs, SequencePooling pooling, bool bidirectional)
    {
        var options = new SequenceModelOptions
        {
            Task = SequenceTask.Regression, InputFeatures = 3, HiddenSize = 5, Cell = RecurrentCellKind.Gru, Pooling = pooling,
            Bidirectional = bidirectional, OutputSize = outputs, PredictChange = true,
        };
        var model = new SequenceModel(options, seed: 9);
        var (examples, tokens, features, maxLength) = OnnxRuntimeRunner.Batch(options, _lengths, seed: 4);
        var outputsByName = OnnxRuntimeRunner.Run(OnnxExporter.ToBytes(new RecurrentModelFile(model)), options, _lengths, tokens, features, maxLength);
        var (values, dims) = outputsByName[OnnxExporter.PredictionOutput];
        CollectionAssert.AreEqual(new[] { _lengths.Length, outputs }, dims);
        TestAssert.AssertClose(OnnxRuntimeRunner.Ours(model, examples, maxLength), values, 0, 1e-5, $"PredictChange {outputs} outputs {pooling}");
    }
}
