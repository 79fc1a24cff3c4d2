using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Layers;

/// <summary>
/// Building or loading a model allocates its weights once (not once per tensor), and the gradients only when
/// something trains it.
/// </summary>
[TestClass]
public sealed class ParameterSetAllocationTests
{
    // 16 layers, bidirectional LSTM, H = 64: 128 recurrent tensors and about 1.6 million weights (6.5 MB).
    private static SequenceModelOptions ManyLayers => new()
    {
        Task = SequenceTask.Classification,
        VocabularySize = 500,
        EmbeddingSize = 32,
        HiddenSize = 64,
        NumLayers = 16,
        Bidirectional = true,
        OutputSize = 3,
    };

    [TestMethod]
    public void Constructor_ManyLayerModel_AllocatesItsWeightsOnce()
    {
        _ = new SequenceModel(ManyLayers); // warm: static data, JIT
        long before = GC.GetAllocatedBytesForCurrentThread();
        var model = new SequenceModel(ManyLayers);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        long weightBytes = 4L * model.Parameters.Count;
        Assert.IsTrue(weightBytes > 6_000_000, $"{weightBytes} bytes of weights");
        Assert.IsTrue(allocated < 3 * weightBytes, $"allocated {allocated} bytes for {weightBytes} bytes of weights");
        Assert.IsFalse(model.Parameters.HasGradients, "an untrained model has no gradient buffer");
    }

    [TestMethod]
    public void Load_ManyLayerModel_AllocationBoundedByWeights()
    {
        var bytes = new RecurrentModelFile(new SequenceModel(ManyLayers)).ToBytes();
        _ = RecurrentModelFile.Load(new MemoryStream(bytes));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var loaded = RecurrentModelFile.Load(new MemoryStream(bytes));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        long weightBytes = 4L * loaded.Model.Parameters.Count;
        Assert.IsTrue(allocated < 3 * weightBytes, $"allocated {allocated} bytes to load {weightBytes} bytes of weights");
        Assert.IsFalse(loaded.Model.Parameters.HasGradients, "a loaded model has no gradient buffer");
    }

    [TestMethod]
    public void Load_ThenInference_HoldsNoGradientsAndNoPerStepActivations()
    {
        var options = ManyLayers with { NumLayers = 2, Bidirectional = false };
        var bytes = new RecurrentModelFile(new SequenceModel(options, seed: 2)).ToBytes();
        var model = RecurrentModelFile.Load(new MemoryStream(bytes)).Model;
        var ws = model.CreateWorkspace();
        var batch = Enumerable.Range(0, 4).Select(i => SequenceExample.ForPrediction(Enumerable.Range(1, 20 + i).ToArray())).ToArray();

        model.Forward(ws, batch, training: false, null, default, default);

        Assert.IsFalse(model.Parameters.HasGradients, "inference on a loaded model creates no gradient buffer");
        int savedPerRow = model.Recurrent.SavedGateWidth;
        foreach (var gates in ws.Recurrent.Gates)
        {
            Assert.IsTrue(gates.Length <= batch.Length * savedPerRow, $"{gates.Length} saved gate floats: one step's rows at most, not every step's");
        }
        Assert.IsTrue(ws.Recurrent.GateGradient.All(g => g.Length == 0), "no gate-gradient buffer");
    }

    [TestMethod]
    public void Evaluate_UntrainedModel_CreatesNoGradients()
    {
        var model = new SequenceModel(ManyLayers with { NumLayers = 1 });
        var example = new SequenceExample { Tokens = [1, 2, 3], Label = 1 };

        SequenceEvaluator.Evaluate(model, [example]);

        Assert.IsFalse(model.Parameters.HasGradients);
    }

    [TestMethod]
    public void Fit_OneStep_CreatesGradientsAndMatchesEagerGradients()
    {
        var model = new SequenceModel(ManyLayers with { NumLayers = 2 }, seed: 3);
        var examples = new[] { new SequenceExample { Tokens = [1, 2, 3], Label = 1 }, new SequenceExample { Tokens = [4, 5], Label = 2 } };
        var trainer = new SequenceTrainer(model, new TrainerOptions { BatchSize = 2, MaxSteps = 1, Epochs = 1 });

        trainer.Fit(examples);

        Assert.IsTrue(model.Parameters.HasGradients);
        Assert.AreEqual(model.Parameters.Count, model.Parameters.Gradients.Length);
        Assert.IsTrue(model.Parameters.Gradients.Any(g => g != 0f), "the step's gradients are there");
    }

    [TestMethod]
    public void Backward_LayerWithoutGradients_CreatesThemAndAddsIntoThem()
    {
        var layer = new RecurrentLayer(new RecurrentLayerOptions { Cell = RecurrentCellKind.Gru, InputSize = 3, HiddenSize = 4 });
        layer.ResetParameters(new Random(1));
        var ws = layer.CreateWorkspace();
        var input = Enumerable.Range(0, 2 * 5 * 3).Select(i => (float)Math.Sin(i)).ToArray();
        var output = new float[2 * 5 * 4];
        layer.Forward(ws, input, 2, 5, default, default, default, output, default, default);
        Assert.IsFalse(layer.Parameters.HasGradients);

        layer.Backward(ws, Enumerable.Repeat(1f, output.Length).ToArray(), default, default, default, default, default);

        Assert.IsTrue(layer.Parameters.HasGradients);
        Assert.IsTrue(layer.Parameters.GetGradients("weight_hh_l0").ToArray().Any(g => g != 0f));
    }

    [TestMethod]
    public void Add_AfterValuesWereRead_KeepsValuesAndGrows()
    {
        var set = new ParameterSet();
        set.Add("a", 2, 3);
        set.SetValues("a", [1, 2, 3, 4, 5, 6]);
        _ = set.Gradients;
        set.Add("b", 4);

        Assert.AreEqual(10, set.Count);
        Assert.AreEqual(10, set.Values.Length);
        Assert.AreEqual(10, set.Gradients.Length);
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4, 5, 6, 0, 0, 0, 0 }, set.Values);
    }

    [TestMethod]
    [DataRow(RecurrentCellKind.Lstm)]
    [DataRow(RecurrentCellKind.RnnTanh)]
    public void Backward_LstmAndRnn_AllocateNoGateGradientBuffer(RecurrentCellKind cell)
    {
        var layer = new RecurrentLayer(new RecurrentLayerOptions { Cell = cell, InputSize = 3, HiddenSize = 5, Bidirectional = true });
        layer.ResetParameters(new Random(2));
        var ws = layer.CreateWorkspace();
        var x = Enumerable.Range(0, 2 * 4 * 3).Select(i => (float)Math.Sin(i)).ToArray();
        var output = new float[2 * 4 * 2 * 5];
        layer.Forward(ws, x, 2, 4, [4, 2], [], [], output, [], []);
        layer.Backward(ws, output, [], [], new float[x.Length], [], []);
        // The gate gradients lived in the saved gates during the pass (aliases, dropped at its end): no buffer of their own.
        for (int d = 0; d < 2; d++)
        {
            Assert.AreEqual(0, ws.GateGradient[d].Length, $"direction {d}: a gate-gradient buffer was allocated");
            Assert.AreEqual(0, ws.HiddenGateGradient[d].Length, $"direction {d}");
        }
    }
}
