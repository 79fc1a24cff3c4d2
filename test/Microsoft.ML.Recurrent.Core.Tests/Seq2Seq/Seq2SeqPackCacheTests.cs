using Microsoft.ML.Recurrent.Seq2Seq;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Seq2Seq;

/// <summary>The decoder's packed weights, packed once per batch or decode call, against packing at every step.</summary>
[TestClass]
public sealed class Seq2SeqPackCacheTests
{
    public static IEnumerable<object[]> Shapes => Seq2SeqTestModels.Shapes;

    [TestMethod]
    [DynamicData(nameof(Shapes))]
    public void Decode_PacksCachedOrNot_IdenticalPredictions(string encoder, bool bidirectional, int encoderLayers,
        string decoder, int decoderLayers, string attention, bool feeding, int features)
    {
        var model = Seq2SeqTestModels.Create(encoder, bidirectional, encoderLayers, decoder, decoderLayers, attention, feeding, features, seed: 11);
        var inputs = Seq2SeqTestModels.Batch(model, 5);
        foreach (int beam in new[] { 1, 3 })
        {
            var options = new Seq2SeqDecodeOptions { BeamWidth = beam, MaxLength = 8 };
            model.CacheDecoderPacks = false;
            var slow = model.Decode(inputs, options);
            model.CacheDecoderPacks = true;
            var fast = model.Decode(inputs, options);
            for (int i = 0; i < inputs.Length; i++)
            {
                CollectionAssert.AreEqual(slow[i].Tokens, fast[i].Tokens, $"beam {beam} input {i}");
                Assert.AreEqual(slow[i].LogProbability, fast[i].LogProbability, $"beam {beam} input {i}");
                for (int t = 0; t < slow[i].Attention.Length; t++)
                {
                    CollectionAssert.AreEqual(slow[i].Attention[t], fast[i].Attention[t], $"beam {beam} input {i} row {t}");
                }
            }
        }
    }

    [TestMethod]
    public void ComputeGradients_PacksCachedAcrossOptimizerSteps_BitIdenticalToPackingEveryStep()
    {
        // Two models trained side by side for a few steps: the cache must be refreshed after every weight update.
        var cached = Seq2SeqTestModels.Create("Lstm", true, 1, "Lstm", 2, "General", true, 0);
        var plain = Seq2SeqTestModels.Create("Lstm", true, 1, "Lstm", 2, "General", true, 0);
        plain.CacheDecoderPacks = false;
        var batch = Seq2SeqTestModels.Batch(cached, 6);
        var options = new TrainerOptions { LearningRate = 0.05 };
        var a = SequenceTrainer.CreateOptimizer(cached.Parameters.Count, options);
        var b = SequenceTrainer.CreateOptimizer(plain.Parameters.Count, options);
        for (int step = 0; step < 4; step++)
        {
            cached.Parameters.ZeroGradients();
            plain.Parameters.ZeroGradients();
            Assert.AreEqual(plain.ComputeGradients(batch), cached.ComputeGradients(batch), $"loss at step {step}");
            CollectionAssert.AreEqual(plain.Parameters.Gradients, cached.Parameters.Gradients, $"gradients at step {step}");
            a.Step(cached.Parameters.Values, cached.Parameters.Gradients);
            b.Step(plain.Parameters.Values, plain.Parameters.Gradients);
        }
    }

    [TestMethod]
    public void Step_ManyDecoderSteps_PacksEachLayerOnce()
    {
        var model = Seq2SeqTestModels.Create("Gru", true, 1, "Gru", 2, "Additive", true, 0);
        var p = new Seq2SeqPass(model, train: false);
        model.Encode(p, Seq2SeqTestModels.Batch(model, 3), _ => 1);
        model.LoadInitialState(p, p.Identity, 3);
        for (int t = 0; t < 6; t++)
        {
            model.Step(p, 3, [4, 5, 6], t == 0, p.Identity);
        }
        Assert.AreEqual(2L, p.DecoderPacks.PackCount, "one W_hh pack per decoder layer for the whole decode");
    }

    [TestMethod]
    public void Step_ManyDecoderStepsOfMoreThanFourRows_PacksEachLayersInputAndHiddenWeightsOnce()
    {
        // Past the small-m rows the input projection is a blocked product too: W_ih^T is packed once, like W_hh^T.
        var model = Seq2SeqTestModels.Create("Gru", true, 1, "Gru", 2, "Additive", true, 0);
        var p = new Seq2SeqPass(model, train: false);
        int[] tokens = [4, 5, 6, 4, 5, 6, 4];
        model.Encode(p, Seq2SeqTestModels.Batch(model, tokens.Length), _ => 1);
        model.LoadInitialState(p, p.Identity, tokens.Length);
        for (int t = 0; t < 6; t++)
        {
            model.Step(p, tokens.Length, tokens, t == 0, p.Identity);
        }
        Assert.AreEqual(4L, p.DecoderPacks.PackCount, "one W_ih and one W_hh pack per decoder layer for the whole decode");
    }
}
