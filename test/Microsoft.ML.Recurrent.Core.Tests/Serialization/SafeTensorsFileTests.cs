using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;
using static Microsoft.ML.Recurrent.Tests.Serialization.SafeTensorsWriter;

namespace Microsoft.ML.Recurrent.Tests.Serialization;

[TestClass]
public sealed class SafeTensorsFileTests
{
    [TestMethod]
    [DataRow("lstm_l2_bi_var.json", "F32")]
    [DataRow("gru_l2_bi_var.json", "F64")]
    [DataRow("rnn_tanh_l2_uni_var.json", "F32")]
    public void CopyTo_FileWrittenFromPyTorchFixture_ReproducesFixtureOutputs(string fixture, string dtype)
    {
        using var f = FixtureFile.Open(FixtureFile.Resolve(fixture));
        string[] names = f.Names("param_names");
        // A layer saved inside a PyTorch module: state_dict names carry the module's attribute name.
        byte[] file = Write(names.Select(n =>
        {
            var tensor = f.Root.GetProperty("params").GetProperty(n);
            return dtype == "F64" ? F64("rnn." + n, FixtureFile.Shape(tensor), FixtureFile.Tensor(tensor)) : F32("rnn." + n, FixtureFile.Shape(tensor), FixtureFile.Tensor(tensor));
        }), new() { ["format"] = "pt" });
        var layer = new RecurrentLayer(new RecurrentLayerOptions
        {
            Cell = f.Str("cell") switch { "lstm" => RecurrentCellKind.Lstm, "gru" => RecurrentCellKind.Gru, _ => RecurrentCellKind.RnnTanh },
            InputSize = f.Int("input_size"),
            HiddenSize = f.Int("hidden_size"),
            NumLayers = f.Int("num_layers"),
            Bidirectional = f.Bool("bidirectional"),
        });

        var safetensors = SafeTensorsFile.Read(file);
        safetensors.CopyTo(layer, "rnn.");

        Assert.AreEqual("pt", safetensors.Metadata["format"]);
        int batch = f.Int("batch"), seq = f.Int("seq_len"), h = layer.Options.HiddenSize, states = layer.Options.NumLayers * layer.Options.NumDirections * batch * h;
        bool lstm = layer.Options.Cell == RecurrentCellKind.Lstm;
        var output = new float[batch * seq * layer.Options.NumDirections * h];
        var hN = new float[states];
        var cN = lstm ? new float[states] : [];
        layer.Forward(layer.CreateWorkspace(), FixtureFile.ToFloat(f.Tensor("x")), batch, seq, f.IntArray("lengths"),
            FixtureFile.ToFloat(f.Tensor("h0")), lstm ? FixtureFile.ToFloat(f.Tensor("c0")) : [], output, hN, cN);
        TestAssert.AssertClose(f.Tensor("output"), output, 1e-3, 1e-4, $"{fixture}: output");
        TestAssert.AssertClose(f.Tensor("h_n"), hN, 1e-3, 1e-4, $"{fixture}: h_n");
    }

    [TestMethod]
    public void CopyTo_SequenceModelStateDict_GivesTheSameWeightsBitForBit()
    {
        var options = new SequenceModelOptions { VocabularySize = 9, EmbeddingSize = 3, HiddenSize = 4, NumLayers = 2, Cell = RecurrentCellKind.Gru, Bidirectional = true };
        var source = new SequenceModel(options, seed: 1);
        byte[] file = Write(source.Parameters.Names.Select(n => F32(n, source.Parameters.GetInfo(n).Shape, source.Parameters.GetValues(n).ToArray().Select(v => (double)v))));
        var target = new SequenceModel(options, seed: 2);

        SafeTensorsFile.Read(file).CopyTo(target);

        CollectionAssert.AreEqual(source.Parameters.Values, target.Parameters.Values);
    }

    [TestMethod]
    [DataRow("F16")]
    [DataRow("BF16")]
    public void Read_HalfPrecision_ConvertsToFloat(string dtype)
    {
        double[] values = [0.5, -2, 0.015625, 3];
        byte[] file = Write([dtype == "F16" ? F16("w", [2, 2], values) : BF16("w", [2, 2], values)]);

        var tensor = SafeTensorsFile.Read(file).Tensors["w"];

        Assert.AreEqual(dtype, tensor.DataType);
        CollectionAssert.AreEqual(new[] { 2, 2 }, tensor.Shape.ToArray());
        CollectionAssert.AreEqual(values.Select(v => (float)v).ToArray(), tensor.Values.ToArray());
    }

    [TestMethod]
    [DataRow("short", "fewer than the 8-byte")]
    [DataRow("header too long", "header length")]
    [DataRow("not json", "not valid JSON")]
    [DataRow("array header", "must be an object")]
    [DataRow("unknown dtype", "supported are F32")]
    [DataRow("negative dimension", "dimensions are whole numbers")]
    [DataRow("size mismatch", "needs 16")]
    [DataRow("offsets past the end", "data_offsets")]
    [DataRow("overlap", "overlaps")]
    [DataRow("hole", "hole")]
    [DataRow("trailing bytes", "cover")]
    [DataRow("duplicate", "twice")]
    [DataRow("nan", "non-finite")]
    [DataRow("f64 overflow", "non-finite")]
    [DataRow("metadata not strings", "must be a string")]
    public void Read_CorruptFile_ThrowsInvalidDataNamingTheProblem(string corruption, string expected)
    {
        byte[] four = [.. new float[] { 1, 2, 3, 4 }.SelectMany(BitConverter.GetBytes)];
        byte[] file = corruption switch
        {
            "short" => [1, 2, 3],
            "header too long" => [.. BitConverter.GetBytes(1000UL), .. "{}"u8.ToArray()],
            "not json" => Assemble("{\"w\": ", four),
            "array header" => Assemble("[]", []),
            "unknown dtype" => Assemble("{\"w\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}", four),
            "negative dimension" => Assemble("{\"w\":{\"dtype\":\"F32\",\"shape\":[-4],\"data_offsets\":[0,16]}}", four),
            "size mismatch" => Assemble("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,12]}}", four),
            "offsets past the end" => Assemble("{\"w\":{\"dtype\":\"F32\",\"shape\":[8],\"data_offsets\":[0,32]}}", four),
            "overlap" => Assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]},\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[4,16]}}", four),
            "hole" => Assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", four),
            "trailing bytes" => Assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", four),
            "duplicate" => Assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", four),
            "nan" => Write([F32("w", [2], [1, double.NaN])]),
            "f64 overflow" => Write([F64("w", [1], [1e300])]),
            _ => Assemble("{\"__metadata__\":{\"a\":1}}", []),
        };

        var e = Assert.ThrowsExactly<InvalidDataException>(() => SafeTensorsFile.Read(file));

        StringAssert.Contains(e.Message, expected);
    }

    [TestMethod]
    [DataRow("missing", "has no tensor 'fc.bias'")]
    [DataRow("unexpected", "Unexpected tensor(s) in the safetensors file: extra")]
    [DataRow("wrong shape", "has shape [4, 2]; the model's parameter has shape [2, 4]")]
    public void CopyTo_StateDictNotMatchingTheModel_ThrowsAndLeavesWeights(string problem, string expected)
    {
        var model = new SequenceModel(new SequenceModelOptions { VocabularySize = 5, EmbeddingSize = 2, HiddenSize = 4, Cell = RecurrentCellKind.RnnTanh }, seed: 3);
        var entries = model.Parameters.Names.Select(n => F32(n, model.Parameters.GetInfo(n).Shape, Enumerable.Repeat(0.5, model.Parameters.GetInfo(n).Length))).ToList();
        switch (problem)
        {
            case "missing":
                entries.RemoveAll(e => e.Name == "fc.bias");
                break;
            case "unexpected":
                entries.Add(F32("extra", [1], [1]));
                break;
            default:
                int i = entries.FindIndex(e => e.Name == "fc.weight");
                entries[i] = entries[i] with { Shape = [4, 2] };
                break;
        }
        float[] before = [.. model.Parameters.Values];

        var e = Assert.ThrowsExactly<InvalidDataException>(() => SafeTensorsFile.Read(Write(entries)).CopyTo(model));

        StringAssert.Contains(e.Message, expected);
        CollectionAssert.AreEqual(before, model.Parameters.Values, "nothing is copied unless everything fits");
    }

    [TestMethod]
    public void Read_MutatedFiles_SucceedOrThrowInvalidDataOnly()
    {
        byte[] valid = Write([F32("a", [2, 3], [1, 2, 3, 4, 5, 6]), F16("b", [2], [0.5, 1])], new() { ["format"] = "pt" });
        var random = new Random(19);
        for (int iteration = 0; iteration < 2000; iteration++)
        {
            byte[] file = [.. valid];
            for (int flips = random.Next(1, 4); flips > 0; flips--)
            {
                int at = random.Next(file.Length);
                // Mostly the header (JSON text and its length); sometimes any byte, sometimes a cut.
                file[at] = random.Next(3) == 0 ? (byte)random.Next(256) : (byte)"{}[]\":,0123456789-eE\"x"[random.Next(22)];
            }
            if (random.Next(10) == 0)
            {
                file = file[..random.Next(file.Length)];
            }
            try
            {
                SafeTensorsFile.Read(file);
            }
            catch (InvalidDataException)
            {
            }
        }
    }
}
