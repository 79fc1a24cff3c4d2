using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Tests.Models;

/// <summary>
/// Max pooling in an inference pass (a vector at a time, no winning rows kept) gives the same bits as in a pass that
/// keeps activations for a backward pass (the scalar loop that records the winners), NaN included.
/// </summary>
[TestClass]
public sealed class InferencePoolingTests
{
    [TestMethod]
    [DataRow(SequencePooling.Max, true, 5)]
    [DataRow(SequencePooling.Max, false, 16)]
    [DataRow(SequencePooling.Concat, true, 21)]
    public void Forward_WithoutKeepingActivations_PooledAndLogitsBitIdentical(SequencePooling pooling, bool bidirectional, int hidden)
    {
        var options = new SequenceModelOptions
        {
            Task = SequenceTask.Classification, VocabularySize = 13, EmbeddingSize = 4, HiddenSize = hidden, NumLayers = 1,
            Cell = RecurrentCellKind.Lstm, Bidirectional = bidirectional, Pooling = pooling, OutputSize = 3,
        };
        var model = new SequenceModel(options, seed: 4);
        var batch = ModelGradientCheck.Batch(options, count: 6, maxLength: 9, seed: 2);
        float[][] Run(bool keep)
        {
            var ws = model.CreateWorkspace();
            model.Forward(ws, batch, false, null, default, default, keepActivations: keep);
            return [ws.Pooled.AsSpan(0, batch.Length * model.HeadInputSize).ToArray(), ws.Logits.AsSpan(0, batch.Length * 3).ToArray()];
        }
        var kept = Run(true);
        var inference = Run(false);
        TestAssert.AssertBitIdentical(kept[0], inference[0], "pooled");
        TestAssert.AssertBitIdentical(kept[1], inference[1], "logits");

        // A NaN weight reaches the top output: both paths pool it the same way (NaN wins).
        float[] embedding = model.Parameters.GetValues("embedding.weight").ToArray();
        Array.Fill(embedding, float.NaN, 4 * batch[0].Tokens![0], 4);
        model.Parameters.SetValues("embedding.weight", embedding);
        var keptNaN = Run(true);
        var inferenceNaN = Run(false);
        Assert.IsTrue(keptNaN[0].Any(float.IsNaN), "the NaN reached the pooled values");
        TestAssert.AssertBitIdentical(keptNaN[0], inferenceNaN[0], "pooled with NaN");
    }
}
