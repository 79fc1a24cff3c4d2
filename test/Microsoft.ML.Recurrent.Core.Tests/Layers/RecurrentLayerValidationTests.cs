using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Tests.Layers;

/// <summary>Bad input gets an ArgumentException naming the argument, the value received and what was expected.</summary>
[TestClass]
public sealed class RecurrentLayerValidationTests
{
    private static readonly RecurrentLayerOptions Lstm = new() { Cell = RecurrentCellKind.Lstm, InputSize = 3, HiddenSize = 2 };

    private static (RecurrentLayer Layer, RecurrentWorkspace Workspace) Create(RecurrentLayerOptions? options = null)
    {
        var layer = new RecurrentLayer(options ?? Lstm);
        return (layer, layer.CreateWorkspace());
    }

    [TestMethod]
    public void Forward_WrongInputSize_ThrowsNamingInputAndExpectedSize()
    {
        var (layer, ws) = Create();
        var ex = Assert.ThrowsExactly<ArgumentException>(() => layer.Forward(ws, new float[17], 2, 3, [], [], [], [], [], []));
        Assert.AreEqual("input", ex.ParamName);
        StringAssert.Contains(ex.Message, "17");
        StringAssert.Contains(ex.Message, "18");
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(4)]
    [DataRow(-1)]
    public void Forward_LengthOutOfRange_ThrowsNamingIndexValueAndRange(int badLength)
    {
        var (layer, ws) = Create();
        var ex = Assert.ThrowsExactly<ArgumentException>(() => layer.Forward(ws, new float[18], 2, 3, [3, badLength], [], [], [], [], []));
        Assert.AreEqual("lengths", ex.ParamName);
        StringAssert.Contains(ex.Message, $"lengths[1] is {badLength}");
        StringAssert.Contains(ex.Message, "between 1 and sequenceLength (3)");
    }

    [TestMethod]
    public void Forward_WrongLengthCount_Throws()
    {
        var (layer, ws) = Create();
        var ex = Assert.ThrowsExactly<ArgumentException>(() => layer.Forward(ws, new float[18], 2, 3, [3], [], [], [], [], []));
        Assert.AreEqual("lengths", ex.ParamName);
        StringAssert.Contains(ex.Message, "batchSize = 2");
    }

    [TestMethod]
    public void Forward_WrongInitialHiddenSize_Throws()
    {
        var (layer, ws) = Create();
        var ex = Assert.ThrowsExactly<ArgumentException>(() => layer.Forward(ws, new float[18], 2, 3, [], new float[3], [], [], [], []));
        Assert.AreEqual("initialHidden", ex.ParamName);
        StringAssert.Contains(ex.Message, "expected NumLayers * NumDirections * batchSize * HiddenSize = 4");
    }

    [TestMethod]
    public void Forward_CellStateOnGru_Throws()
    {
        var (layer, ws) = Create(Lstm with { Cell = RecurrentCellKind.Gru });
        var ex = Assert.ThrowsExactly<ArgumentException>(() => layer.Forward(ws, new float[18], 2, 3, [], [], new float[4], [], [], []));
        Assert.AreEqual("initialCell", ex.ParamName);
    }

    [TestMethod]
    public void Forward_ZeroBatch_ThrowsOutOfRange()
    {
        var (layer, ws) = Create();
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => layer.Forward(ws, [], 0, 3, [], [], [], [], [], []));
        Assert.AreEqual("batchSize", ex.ParamName);
    }

    [TestMethod]
    public void Forward_NullWorkspace_ThrowsArgumentNull()
    {
        var (layer, _) = Create();
        Assert.ThrowsExactly<ArgumentNullException>(() => layer.Forward(null!, new float[18], 2, 3, [], [], [], [], [], []));
    }

    [TestMethod]
    public void Forward_WorkspaceOfAnotherShape_Throws()
    {
        var (layer, _) = Create();
        var other = new RecurrentLayer(Lstm with { HiddenSize = 5 }).CreateWorkspace();
        var ex = Assert.ThrowsExactly<ArgumentException>(() => layer.Forward(other, new float[18], 2, 3, [], [], [], [], [], []));
        Assert.AreEqual("workspace", ex.ParamName);
    }

    [TestMethod]
    public void Backward_WithoutForward_ThrowsInvalidOperation()
    {
        var (layer, ws) = Create();
        Assert.ThrowsExactly<InvalidOperationException>(() => layer.Backward(ws, [], [], [], [], [], []));
    }

    [TestMethod]
    public void Backward_WrongGradientSize_Throws()
    {
        var (layer, ws) = Create();
        layer.Forward(ws, new float[18], 2, 3, [], [], [], [], [], []);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => layer.Backward(ws, new float[5], [], [], [], [], []));
        Assert.AreEqual("outputGradient", ex.ParamName);
        StringAssert.Contains(ex.Message, "5");
    }

    [TestMethod]
    [DataRow(0, 2, 1)]
    [DataRow(3, 0, 1)]
    [DataRow(3, 2, 0)]
    [DataRow(3, 2, 65)]
    public void Options_OutOfRange_ThrowOnConstruction(int input, int hidden, int layers)
    {
        var options = new RecurrentLayerOptions { InputSize = input, HiddenSize = hidden, NumLayers = layers };
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new RecurrentLayer(options));
    }

    [TestMethod]
    public void ImportParameters_WrongShape_ThrowsNamingParameterAndShape()
    {
        var (layer, _) = Create();
        var weights = layer.ExportParameters();
        weights["weight_hh_l0"] = new float[7];
        var ex = Assert.ThrowsExactly<ArgumentException>(() => layer.ImportParameters(weights));
        StringAssert.Contains(ex.Message, "weight_hh_l0");
        StringAssert.Contains(ex.Message, "[8, 2]");
        StringAssert.Contains(ex.Message, "received 7");
    }

    [TestMethod]
    public void ImportParameters_MissingOrUnknownName_Throws()
    {
        var (layer, _) = Create();
        var weights = layer.ExportParameters();
        weights.Remove("bias_ih_l0");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => layer.ImportParameters(weights)).Message, "'bias_ih_l0' is missing");
        weights = layer.ExportParameters();
        weights["weight_ih_l1"] = new float[1];
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => layer.ImportParameters(weights)).Message, "Unknown parameter 'weight_ih_l1'");
        Assert.ThrowsExactly<ArgumentNullException>(() => layer.ImportParameters(null!));
    }

    [TestMethod]
    public void ExportThenImport_RoundTripsByPyTorchName()
    {
        var options = Lstm with { Bidirectional = true, NumLayers = 2 };
        var a = new RecurrentLayer(options);
        a.ResetParameters(new Random(3));
        var b = new RecurrentLayer(options, new ParameterSet(), "lstm.");
        b.ImportParameters(a.ExportParameters());
        CollectionAssert.AreEqual(a.Parameters.Values, b.Parameters.Values);
        CollectionAssert.Contains(b.ParameterNames.ToList(), "lstm.bias_hh_l1_reverse");
    }
}
