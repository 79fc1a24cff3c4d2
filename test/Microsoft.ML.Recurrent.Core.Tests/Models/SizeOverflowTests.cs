using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Models;

/// <summary>
/// The size-overflow family at model level: shapes whose size products pass 2^31 either succeed (the head's logits
/// are computed a chunk of rows at a time) or are refused with a message naming the limit, never written out of bounds.
/// The chunked head is checked bit for bit against the one-chunk head.
/// </summary>
[TestClass]
public sealed class SizeOverflowTests
{
    [TestMethod]
    [DataRow(SequenceTask.LanguageModel, true)]
    [DataRow(SequenceTask.LanguageModel, false)]
    [DataRow(SequenceTask.Tagging, true)]
    [DataRow(SequenceTask.Classification, true)]
    public void Pass_HeadInChunks_BitIdenticalToOneChunk(SequenceTask task, bool backward)
    {
        var examples = Examples(task, count: 7, maxLength: 300, vocabulary: 37, seed: 3);
        var whole = RunComputeLoss(task, examples, backward, headChunkFloats: 1L << 26);
        // Chunks of 256 rows (the GEMM's depth block) for the per-step heads; the classifier's 7 rows in one chunk.
        var chunked = RunComputeLoss(task, examples, backward, headChunkFloats: 1);

        Assert.AreEqual(whole.Loss, chunked.Loss, "loss");
        Assert.AreEqual(whole.Metrics.Correct, chunked.Metrics.Correct, "correct");
        Assert.AreEqual(whole.Metrics.Count, chunked.Metrics.Count, "count");
        CollectionAssert.AreEqual(whole.Gradients, chunked.Gradients, "gradients");
    }

    [TestMethod]
    [DataRow(40, 39, 1)]
    [DataRow(40, 0, 1)]
    [DataRow(40, 10, 3)]
    [DataRow(40, 5, 20)]
    [DataRow(3, 2, 1)]
    public void ForwardRows_SomeRowsOfLanguageModel_BitIdenticalToThoseRowsOfFullForward(int steps, int firstRow, int rowCount)
    {
        var model = new SequenceModel(LanguageModel(vocabulary: 50, embedding: 8, hidden: 16), seed: 5);
        var example = Examples(SequenceTask.LanguageModel, 1, steps, 50, seed: 9)[0];
        var ws = model.CreateWorkspace();
        model.Forward(ws, [example], training: false, null, default, default);
        int v = model.Options.HeadOutputs;
        var expected = ws.Logits.AsSpan(firstRow * v, rowCount * v).ToArray();

        var actual = model.ForwardRows(model.CreateWorkspace(), [example], firstRow, rowCount).ToArray();

        CollectionAssert.AreEqual(expected, actual);
    }

    [TestMethod]
    public void Evaluate_InputRowsTimesEmbeddingBeyondArrayLimit_RefusedNamingTheLimit()
    {
        // 262,144 steps x embedding 8192 = 2^31 floats of packed input: more than one .NET array can hold.
        var model = new SequenceModel(LanguageModel(vocabulary: 2, embedding: 8192, hidden: 1));
        var tokens = new int[262_144];
        var example = new SequenceExample { Tokens = tokens, StepLabels = tokens };

        var ex = Assert.ThrowsExactly<ArgumentException>(() => SequenceEvaluator.Evaluate(model, [example]));

        StringAssert.Contains(ex.Message, "2147483591");
        StringAssert.Contains(ex.Message, "262144");
    }

    [TestMethod]
    public void Evaluate_BatchRowsBeyondInt_RefusedNamingTheLimit()
    {
        // 64 sequences of 2^25 steps (one shared array): 2^31 packed rows, more than an int counts.
        var tokens = new int[1 << 25];
        var example = new SequenceExample { Tokens = tokens, StepLabels = tokens };
        var model = new SequenceModel(LanguageModel(vocabulary: 2, embedding: 1, hidden: 1));

        var ex = Assert.ThrowsExactly<ArgumentException>(() => SequenceEvaluator.Evaluate(model, Enumerable.Repeat(example, 64).ToArray(), batchSize: 64));

        StringAssert.Contains(ex.Message, "2147483648");
    }

    [TestMethod]
    [TestCategory("Slow")]
    public void Evaluate_Vocabulary65536One65537StepExample_Succeeds()
    {
        // 65,537 rows x 65,536 classes = 2^32 + 2^16 logits: the int product wrapped to 65,536 and the GEMM wrote 16 GB past it.
        var model = new SequenceModel(LanguageModel(vocabulary: 65_536, embedding: 1, hidden: 1), seed: 1);
        var rng = new Random(2);
        var tokens = new int[65_538];
        for (int i = 0; i < tokens.Length; i++)
        {
            tokens[i] = rng.Next(65_536);
        }
        var example = new SequenceExample { Tokens = tokens[..^1], StepLabels = tokens[1..] };

        var result = SequenceEvaluator.Evaluate(model, [example]);

        Assert.AreEqual(65_537, result.Count);
        Assert.IsTrue(Math.Abs(result.Loss - Math.Log(65_536)) < 3, $"loss {result.Loss} is near ln V for an untrained model");
    }

    [TestMethod]
    [TestCategory("Slow")]
    public void FitStream_Batch32Truncation2048Vocabulary32768_TrainsOneStep()
    {
        // 32 x 2048 = 65,536 rows x 32,768 classes = 2^31 logits: the int product was negative.
        var model = new SequenceModel(LanguageModel(vocabulary: 32_768, embedding: 1, hidden: 1), seed: 1);
        var rng = new Random(4);
        var tokens = new int[32 * 2048 + 1];
        for (int i = 0; i < tokens.Length; i++)
        {
            tokens[i] = rng.Next(32_768);
        }
        var trainer = new SequenceTrainer(model, new TrainerOptions { BatchSize = 32, TruncationLength = 2048, MaxSteps = 1, Epochs = 1 });

        var result = trainer.FitStream(tokens);

        Assert.AreEqual(1L, trainer.Steps);
        Assert.IsTrue(double.IsFinite(result.History[^1].TrainLoss), "finite loss");
        Assert.IsTrue(Array.TrueForAll(model.Parameters.Values, float.IsFinite), "finite weights");
    }

    internal static SequenceModelOptions LanguageModel(int vocabulary, int embedding, int hidden) => new()
    {
        Task = SequenceTask.LanguageModel,
        VocabularySize = vocabulary,
        EmbeddingSize = embedding,
        HiddenSize = hidden,
        Cell = RecurrentCellKind.Lstm,
    };

    private static SequenceExample[] Examples(SequenceTask task, int count, int maxLength, int vocabulary, int seed)
    {
        var rng = new Random(seed);
        var examples = new SequenceExample[count];
        for (int i = 0; i < count; i++)
        {
            int length = i == 0 ? maxLength : rng.Next(1, maxLength + 1);
            var tokens = Enumerable.Range(0, length).Select(_ => rng.Next(vocabulary)).ToArray();
            examples[i] = task switch
            {
                SequenceTask.Classification => new SequenceExample { Tokens = tokens, Label = rng.Next(3) },
                SequenceTask.Tagging => new SequenceExample { Tokens = tokens, StepLabels = tokens.Select(t => t % 5 == 0 ? -1 : t % 3).ToArray() },
                _ => new SequenceExample { Tokens = tokens, StepLabels = tokens.Select(t => (t * 7 + 1) % vocabulary).ToArray() },
            };
        }
        return examples;
    }

    private static (double Loss, MetricTotals Metrics, float[] Gradients) RunComputeLoss(SequenceTask task, SequenceExample[] examples, bool backward, long headChunkFloats)
    {
        var options = new SequenceModelOptions
        {
            Task = task,
            VocabularySize = 37,
            EmbeddingSize = 6,
            HiddenSize = 9,
            NumLayers = 2,
            Bidirectional = task != SequenceTask.LanguageModel,
            OutputSize = 3,
        };
        var model = new SequenceModel(options, seed: 11);
        var metrics = new MetricTotals();
        var ws = model.CreateWorkspace();
        ws.HeadChunkFloats = headChunkFloats;
        double loss = model.ComputeLoss(ws, examples, backward, training: false, null, default, default, default, ref metrics);
        return (loss, metrics, backward ? model.Parameters.Gradients.ToArray() : []);
    }
}
