using System.Reflection;
using Microsoft.ML.Recurrent.Seq2Seq;

namespace Microsoft.ML.Recurrent.Tests.Seq2Seq;

/// <summary>Decoding against teacher forcing, padding, beam search against greedy decoding.</summary>
[TestClass]
public sealed class Seq2SeqDecodingTests
{
    public static IEnumerable<object[]> Shapes => Seq2SeqTestModels.Shapes;

    [TestMethod]
    [DynamicData(nameof(Shapes))]
    public void Step_FedTheTarget_EqualsTeacherForcedLogits(string encoder, bool bidirectional, int encoderLayers,
        string decoder, int decoderLayers, string attention, bool feeding, int features)
    {
        var model = Seq2SeqTestModels.Create(encoder, bidirectional, encoderLayers, decoder, decoderLayers, attention, feeding, features);
        var sorted = Seq2SeqModel.SortByTarget(Seq2SeqTestModels.Batch(model, 5));
        var teacher = new Seq2SeqPass(model, train: false);
        model.TeacherForward(teacher, sorted);
        int v = model.TargetVocabulary.Count;
        for (int r = 0; r < sorted.Length; r++)
        {
            var example = sorted[r];
            var p = new Seq2SeqPass(model, train: false);
            model.Encode(p, [example], _ => 1);
            model.LoadInitialState(p, p.Identity, 1);
            for (int t = 0; t <= example.Target.Length; t++)
            {
                int token = t == 0 ? model.TargetVocabulary.BeginId : example.Target[t - 1];
                model.Step(p, 1, [token], t == 0, p.Identity);
                TestAssert.AssertClose(teacher.Logits.AsSpan((teacher.Offset[t] + r) * v, v), p.Logits.AsSpan(0, v), 1e-5, 1e-6, $"example {r} step {t}");
            }
        }
    }

    [TestMethod]
    [DynamicData(nameof(Shapes))]
    public void ComputeGradients_BuffersPoisonedWithNaN_SameLossAndGradients(string encoder, bool bidirectional, int encoderLayers,
        string decoder, int decoderLayers, string attention, bool feeding, int features)
    {
        // Padding is never read: a pass whose every buffer holds NaN from a larger batch gives the result of a fresh one.
        var model = Seq2SeqTestModels.Create(encoder, bidirectional, encoderLayers, decoder, decoderLayers, attention, feeding, features);
        var batch = Seq2SeqTestModels.Batch(model, 6);
        model.Parameters.ZeroGradients();
        double fresh = model.ComputeGradients(batch);
        float[] expected = (float[])model.Parameters.Gradients.Clone();
        var big = Seq2SeqTestModels.Batch(model, 9, seed: 5).Select(e => e with { Source = e.Source.Length == 0 ? e.Source : [.. e.Source, .. e.Source, 4], Target = [.. e.Target, .. e.Target, 5] }).ToArray();
        model.ComputeGradients(big);
        var pass = typeof(Seq2SeqModel).GetField("_trainPass", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(model)!;
        int poisoned = 0;
        foreach (var field in typeof(Seq2SeqPass).GetFields(BindingFlags.NonPublic | BindingFlags.Instance).Where(f => f.FieldType == typeof(float[])))
        {
            Array.Fill((float[])field.GetValue(pass)!, float.NaN);
            poisoned++;
        }
        Assert.IsTrue(poisoned > 20);
        model.Parameters.ZeroGradients();
        double again = model.ComputeGradients(batch);
        Assert.AreEqual(fresh, again, 1e-6);
        TestAssert.AssertClose(expected, model.Parameters.Gradients, 1e-5, 1e-7, "gradients");
    }

    [TestMethod]
    public void ComputeLoss_BatchOfMixedLengths_EqualsTokenWeightedMeanOfSingles()
    {
        var model = Seq2SeqTestModels.Create("Gru", true, 1, "Lstm", 1, "Additive", true, 0);
        var batch = Seq2SeqTestModels.Batch(model, 7);
        double sum = batch.Sum(e => model.ComputeLoss([e]) * (e.Target.Length + 1));
        double tokens = batch.Sum(e => e.Target.Length + 1);
        Assert.AreEqual(sum / tokens, model.ComputeLoss(batch), 1e-5);
    }

    [TestMethod]
    [DynamicData(nameof(Shapes))]
    public void Beam_WidthOne_EqualsGreedy(string encoder, bool bidirectional, int encoderLayers,
        string decoder, int decoderLayers, string attention, bool feeding, int features)
    {
        var model = Seq2SeqTestModels.Create(encoder, bidirectional, encoderLayers, decoder, decoderLayers, attention, feeding, features, seed: 21);
        var inputs = Seq2SeqTestModels.Batch(model, 6);
        var options = new Seq2SeqDecodeOptions { MaxLength = 7 };
        var greedy = model.Decode(inputs, options);
        for (int i = 0; i < inputs.Length; i++)
        {
            var beam = model.Beam(new Seq2SeqPass(model, train: false), inputs[i] with { Target = [] }, options with { BeamWidth = 1 });
            CollectionAssert.AreEqual(greedy[i].Tokens, beam.Tokens, $"input {i}");
            Assert.AreEqual(greedy[i].LogProbability, beam.LogProbability, 1e-4);
            Assert.AreEqual(greedy[i].Finished, beam.Finished);
            Assert.AreEqual(greedy[i].Attention.Length, beam.Attention.Length);
        }
    }

    [TestMethod]
    public void Decode_TrainedOnReversal_BeamAndGreedyReverseAndAttentionRowsSumToOne()
    {
        var model = Seq2SeqTestModels.Create("Lstm", true, 1, "Lstm", 1, "General", true, 0, seed: 1);
        var rng = new Random(4);
        var data = Enumerable.Range(0, 200).Select(_ =>
        {
            int[] source = [.. Enumerable.Range(0, 1 + rng.Next(4)).Select(_ => 4 + rng.Next(3))];
            return new Seq2SeqExample(source, [.. source.Reverse()]);
        }).ToArray();
        var trainer = new Seq2SeqTrainer(model, new Microsoft.ML.Recurrent.Training.TrainerOptions { Epochs = 40, BatchSize = 16, LearningRate = 0.02, Seed = 1 });
        trainer.Fit(data);
        int[] input = [4, 5, 6, 6];
        foreach (int width in new[] { 1, 3 })
        {
            var prediction = model.Decode(input, null, new Seq2SeqDecodeOptions { BeamWidth = width });
            CollectionAssert.AreEqual(new[] { 6, 6, 5, 4 }, prediction.Tokens, $"beam {width}");
            Assert.IsTrue(prediction.Finished);
            Assert.AreEqual(prediction.Tokens.Length + 1, prediction.Attention.Length);
            foreach (var row in prediction.Attention)
            {
                Assert.AreEqual(input.Length, row.Length);
                Assert.AreEqual(1.0, row.Sum(), 1e-5);
            }
        }
    }

    [TestMethod]
    public void Decode_ScoresPastFloatExpRange_AttentionStaysFiniteAndSumsToOne()
    {
        // General scores h . (W_a e) of several hundred: e^score overflows a float unless the softmax subtracts the maximum.
        var model = Seq2SeqTestModels.Create("Lstm", true, 1, "Lstm", 1, "General", true, 0);
        var key = model.Parameters.GetValues("attention.weight");
        for (int i = 0; i < key.Length; i++)
        {
            key[i] *= 2000f;
        }
        var prediction = model.Decode([4, 5, 6, 7], null, new Seq2SeqDecodeOptions { MaxLength = 5 });
        foreach (var row in prediction.Attention)
        {
            Assert.IsTrue(row.All(float.IsFinite));
            Assert.AreEqual(1.0, row.Sum(), 1e-5);
        }
        Assert.IsTrue(double.IsFinite(prediction.LogProbability));
    }
}
