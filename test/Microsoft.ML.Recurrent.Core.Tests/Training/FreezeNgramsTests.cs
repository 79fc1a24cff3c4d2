using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Training;

/// <summary>TrainerOptions.FreezeNgrams: an n-gram ensemble's n-gram part keeps its (naive Bayes) start; the rest trains as without it.</summary>
[TestClass]
public sealed class FreezeNgramsTests
{
    private static SequenceModel Model(bool ensemble) => new(new SequenceModelOptions
    {
        VocabularySize = 8, EmbeddingSize = 3, HiddenSize = 4, OutputSize = 2,
        NgramBuckets = 32, NgramMaxLength = 2, NgramEnsemble = ensemble,
    }, seed: 2);

    private static SequenceExample[] Rows()
    {
        var random = new Random(5);
        return Enumerable.Range(0, 40).Select(_ =>
        {
            var tokens = Enumerable.Range(0, 2 + random.Next(5)).Select(_ => 1 + random.Next(7)).ToArray();
            return SequenceExample.ForClassification(tokens, tokens.Count(t => t <= 3) * 2 > tokens.Length ? 1 : 0);
        }).ToArray();
    }

    // Weight decay and averaging on: the optimizer would move a part with no gradient (Adam's L2 term) unless it is kept.
    private static TrainerOptions Options(bool freeze) => new()
    {
        Epochs = 3, BatchSize = 8, LearningRate = 0.05, WeightDecay = 1e-2, AveragingDecay = 0.9, Seed = 4, FreezeNgrams = freeze,
    };

    [TestMethod]
    public void Fit_FreezeNgrams_KeepsTheNaiveBayesPartBitForBitAndTrainsTheRecurrentPart()
    {
        var rows = Rows();
        var frozen = Model(ensemble: true);
        frozen.InitializeNgramsWithNaiveBayes(rows);
        int split = frozen.NgramPartOffset;
        var start = frozen.Parameters.Values.ToArray();
        Assert.IsTrue(start.AsSpan(split).ToArray().Any(v => v != 0), "naive Bayes gave the n-gram part weights");
        new SequenceTrainer(frozen, Options(freeze: true)).Fit(rows);
        CollectionAssert.AreEqual(start.AsSpan(split).ToArray(), frozen.Parameters.Values.AsSpan(split).ToArray(), "the n-gram part is kept");
        CollectionAssert.AreNotEqual(start.AsSpan(0, split).ToArray(), frozen.Parameters.Values.AsSpan(0, split).ToArray(), "the recurrent part trains");

        // Without it the same run moves the n-gram part; the recurrent part's steps are the same either way (its
        // gradients, and so clipping's norm, never depend on the n-gram part, which the freeze leaves out of the step).
        var trained = Model(ensemble: true);
        trained.InitializeNgramsWithNaiveBayes(rows);
        new SequenceTrainer(trained, Options(freeze: false) with { ClipGradientNorm = null }).Fit(rows);
        var recurrentOnly = Model(ensemble: true);
        recurrentOnly.InitializeNgramsWithNaiveBayes(rows);
        new SequenceTrainer(recurrentOnly, Options(freeze: true) with { ClipGradientNorm = null }).Fit(rows);
        CollectionAssert.AreNotEqual(start.AsSpan(split).ToArray(), trained.Parameters.Values.AsSpan(split).ToArray(), "trained, the n-gram part moves");
        CollectionAssert.AreEqual(trained.Parameters.Values.AsSpan(0, split).ToArray(), recurrentOnly.Parameters.Values.AsSpan(0, split).ToArray(),
            "the recurrent part trains exactly as without the freeze");
    }

    [TestMethod]
    public void Fit_FreezeNgramsOnAModelThatIsNoEnsemble_ChangesNothing()
    {
        var rows = Rows();
        var with = Model(ensemble: false);
        var without = Model(ensemble: false);
        new SequenceTrainer(with, Options(freeze: true)).Fit(rows);
        new SequenceTrainer(without, Options(freeze: false)).Fit(rows);
        CollectionAssert.AreEqual(without.Parameters.Values, with.Parameters.Values, "a wide n-gram part (no ensemble) trains as before");
    }

    // The optimizer steps only the parameters before the kept part, so its saved state is shorter than the model: a
    // resumed run must end exactly where an uninterrupted one does, and a run without the freeze must refuse it.
    [TestMethod]
    public void LoadCheckpoint_FreezeNgrams_EndsExactlyWhereAnUninterruptedRunEnds()
    {
        var rows = Rows();
        SequenceModel Start()
        {
            var model = Model(ensemble: true);
            model.InitializeNgramsWithNaiveBayes(rows);
            return model;
        }
        var reference = Start();
        new SequenceTrainer(reference, Options(freeze: true)).Fit(rows);

        var first = new SequenceTrainer(Start(), Options(freeze: true) with { Epochs = 1 });
        first.Fit(rows);
        using var checkpoint = new MemoryStream();
        first.SaveCheckpoint(checkpoint);
        var resumedModel = Model(ensemble: true);
        var resumed = new SequenceTrainer(resumedModel, Options(freeze: true));
        checkpoint.Position = 0;
        resumed.LoadCheckpoint(checkpoint);
        resumed.Fit(rows);
        TestAssert.AssertBitIdentical(reference.Parameters.Values, resumedModel.Parameters.Values, "weights after resume");

        var unfrozen = new SequenceTrainer(Start(), Options(freeze: false));
        checkpoint.Position = 0;
        var refused = Assert.ThrowsExactly<InvalidDataException>(() => unfrozen.LoadCheckpoint(checkpoint));
        StringAssert.Contains(refused.Message, "freezengrams");
    }
}
