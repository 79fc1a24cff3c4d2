using Microsoft.ML.Recurrent.Engine.Scheduling;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Tests.Models;

/// <summary>
/// A frozen workspace keeps each token's first-layer input projection (InputProjectionCache) and predicts exactly what an
/// ordinary workspace predicts: on first sight of a token, from the cache afterwards, and past the cache's limit.
/// </summary>
[TestClass]
public sealed class TokenProjectionCacheTests
{
    private const int Vocabulary = 40;

    private static SequenceModel Model(RecurrentCellKind cell, bool bidirectional, int layers) => new(new SequenceModelOptions
    {
        VocabularySize = Vocabulary, EmbeddingSize = 12, HiddenSize = 16, Cell = cell, NumLayers = layers,
        Bidirectional = bidirectional, OutputSize = 3,
    }, seed: 4);

    private static ModelWorkspace Frozen(SequenceModel model, long limit = InputProjectionCache.MaxFloats)
    {
        var ws = model.CreateWorkspace();
        ws.Recurrent.FreezeWeights();
        ws.Recurrent.Scheduling = SchedulingOptions.CallingThread;
        ws.Recurrent.TokenProjectionLimit = limit;
        return ws;
    }

    // Batches of one token and of three (the small-m rows, whose dot products sum in another order: never cached), a
    // sentence with repeated tokens, one with a single new token (one row projected, in the blocked path's order), several
    // lengths, a large batch, and the sentence again.
    private static List<SequenceExample[]> Batches()
    {
        var random = new Random(9);
        SequenceExample Sequence(int length) => SequenceExample.ForPrediction([.. Enumerable.Range(0, length).Select(_ => random.Next(Vocabulary))]);
        var batches = new List<SequenceExample[]>
        {
            new[] { SequenceExample.ForPrediction([7]) },
            new[] { SequenceExample.ForPrediction([20, 21, 22]) },
            new[] { SequenceExample.ForPrediction([3, 5, 3, 3, 9, 5, 0, 3, 12, 5, 5, 1, 3]) },
            new[] { SequenceExample.ForPrediction([3, 5, 20, 9, 0, 1]) },
            Enumerable.Range(0, 3).Select(i => Sequence(2 + 5 * i)).ToArray(),
            Enumerable.Range(0, 40).Select(i => Sequence(1 + i % 17)).ToArray(),
        };
        batches.Add(batches[2]);
        return batches;
    }

    private static float[] Logits(SequenceModel model, ModelWorkspace ws, SequenceExample[] batch)
    {
        model.Forward(ws, batch, training: false, null, default, default);
        return ws.Logits.AsSpan(0, batch.Length * 3).ToArray();
    }

    [TestMethod]
    [DataRow(RecurrentCellKind.Lstm, true, 2)]
    [DataRow(RecurrentCellKind.Gru, true, 1)]
    [DataRow(RecurrentCellKind.RnnTanh, false, 1)]
    public void Forward_FrozenWorkspace_KeepsTokenProjections_AndPredictsBitIdentically(RecurrentCellKind cell, bool bidirectional, int layers)
    {
        var model = Model(cell, bidirectional, layers);
        var frozen = Frozen(model);
        foreach (var batch in Batches())
        {
            TestAssert.AssertBitIdentical(Logits(model, model.CreateWorkspace(), batch), Logits(model, frozen, batch), $"{cell}, {batch.Length} rows");
        }
        var cache = frozen.Recurrent.TokenProjections;
        Assert.IsNotNull(cache, "a frozen workspace predicting from tokens keeps their projections");
        int kept = cache.CachedCount;
        Assert.IsTrue(kept > 0 && kept <= Vocabulary * (bidirectional ? 2 : 1), $"{kept} tokens kept");
        Logits(model, frozen, Batches()[2]);
        Assert.AreEqual(kept, cache.CachedCount, "tokens seen before are not projected again");
    }

    [TestMethod]
    public void Forward_TokenProjectionCacheFull_ProjectsTheRestEveryTime_BitIdentically()
    {
        var model = Model(RecurrentCellKind.Lstm, bidirectional: true, layers: 1);
        // Room for one block of tokens (of one direction): most tokens are projected with the GEMM at every pass.
        var frozen = Frozen(model, limit: InputProjectionCache.BlockTokens * 4 * 16);
        foreach (var batch in Batches())
        {
            TestAssert.AssertBitIdentical(Logits(model, model.CreateWorkspace(), batch), Logits(model, frozen, batch), $"{batch.Length} rows");
        }
        Assert.IsTrue(frozen.Recurrent.TokenProjections!.CachedCount <= InputProjectionCache.BlockTokens, "no more than the limit is kept");
    }

    [TestMethod]
    public void Forward_OrdinaryWorkspace_KeepsNoTokenProjections()
    {
        var model = Model(RecurrentCellKind.Lstm, bidirectional: false, layers: 1);
        var ws = model.CreateWorkspace();
        Logits(model, ws, Batches()[2]);
        Assert.IsNull(ws.Recurrent.TokenProjections, "weights that may change are never cached");
    }
}
