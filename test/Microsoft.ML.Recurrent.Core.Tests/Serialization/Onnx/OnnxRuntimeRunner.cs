using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;

namespace Microsoft.ML.Recurrent.Tests.Serialization.Onnx;

/// <summary>
/// Runs an exported model in ONNX Runtime (which checks the model when it creates the session) and the same batch in
/// our engine, padded the way a consumer pads: every row to the longest length, with arbitrary valid values past a
/// sequence's end.
/// </summary>
internal static class OnnxRuntimeRunner
{
    /// <summary>Random examples of the given lengths; the padded batch holds random values (valid ids) past each length.</summary>
    internal static (SequenceExample[] Examples, long[] Tokens, float[] Features, int MaxLength) Batch(SequenceModelOptions o, int[] lengths, int seed)
    {
        var random = new Random(seed);
        int maxLength = lengths.Max(), width = o.InputFeatures;
        var tokens = new long[lengths.Length * maxLength];
        var features = new float[lengths.Length * maxLength * width];
        for (int i = 0; i < tokens.Length; i++)
        {
            tokens[i] = o.UsesTokens ? random.Next(o.VocabularySize) : 0;
        }
        for (int i = 0; i < features.Length; i++)
        {
            features[i] = (float)(random.NextDouble() * 4 - 2);
        }
        var examples = new SequenceExample[lengths.Length];
        for (int b = 0; b < lengths.Length; b++)
        {
            examples[b] = o.UsesTokens
                ? SequenceExample.ForPrediction([.. tokens.AsSpan(b * maxLength, lengths[b]).ToArray().Select(t => (int)t)])
                : SequenceExample.ForPrediction(features.AsSpan(b * maxLength * width, lengths[b] * width).ToArray());
        }
        return (examples, tokens, features, maxLength);
    }

    /// <summary>Runs the ONNX model on the padded batch; returns every output by name.</summary>
    internal static Dictionary<string, (float[] Values, int[] Dims)> Run(byte[] onnx, SequenceModelOptions o, int[] lengths, long[] tokens, float[] features, int maxLength)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(onnx, options);
        int batch = lengths.Length;
        var inputs = new List<NamedOnnxValue>
        {
            o.UsesTokens
                ? NamedOnnxValue.CreateFromTensor(OnnxExporter.TokensInput, new DenseTensor<long>(tokens, [batch, maxLength]))
                : NamedOnnxValue.CreateFromTensor(OnnxExporter.FeaturesInput, new DenseTensor<float>(features, [batch, maxLength, o.InputFeatures])),
            NamedOnnxValue.CreateFromTensor(OnnxExporter.LengthsInput, new DenseTensor<int>(lengths, [batch])),
        };
        using var results = session.Run(inputs);
        return results.ToDictionary(r => r.Name, r =>
        {
            var tensor = r.AsTensor<float>();
            return (tensor.ToArray(), tensor.Dimensions.ToArray());
        });
    }

    /// <summary>Our outputs: (B, C) for a many-to-one head; for a per-step head (B, Tmax, C) with only valid steps filled.</summary>
    internal static float[] Ours(SequenceModel model, SequenceExample[] examples, int maxLength)
    {
        var ws = model.CreateWorkspace();
        int classes = model.Options.HeadOutputs;
        if (!model.IsPerStep)
        {
            model.Forward(ws, examples, training: false, null, default, default);
            return ws.Logits.AsSpan(0, examples.Length * classes).ToArray();
        }
        var result = new float[examples.Length * maxLength * classes];
        for (int b = 0; b < examples.Length; b++)
        {
            int length = examples[b].StepCount(model.Options.InputFeatures);
            model.Forward(ws, [examples[b]], training: false, null, default, default);
            ws.Logits.AsSpan(0, length * classes).CopyTo(result.AsSpan(b * maxLength * classes));
        }
        return result;
    }
}
