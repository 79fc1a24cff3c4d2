using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Models;

/// <summary>
/// Every training fixture (kind "train") in the fixture directory — ../shared/fixtures/recurrent, or
/// RECURRENT_FIXTURES_DIR: per-step losses, the gradients of step 1, the parameters after step 1 and at the end.
/// </summary>
[TestClass]
public sealed class TrainingFixtureTests
{
    private const double Atol = 1e-4;
    private const double Rtol = 1e-3;

    public static IEnumerable<object[]> TrainFixtures => FixtureFile.Enumerate("train");

    [TestMethod]
    [DynamicData(nameof(TrainFixtures))]
    public void Fixture_TrainingSteps_MatchPyTorch(string fileName)
    {
        using var f = FixtureFile.Open(FixtureFile.Resolve(fileName));
        var model = f.Root.GetProperty("model");
        string task = f.Str("task");
        int vocab = model.GetProperty("vocab_size").GetInt32();
        var options = new SequenceModelOptions
        {
            Task = task == "classifier" ? SequenceTask.Classification : SequenceTask.LanguageModel,
            VocabularySize = vocab,
            EmbeddingSize = model.GetProperty("embed_dim").GetInt32(),
            HiddenSize = model.GetProperty("hidden_size").GetInt32(),
            NumLayers = model.GetProperty("num_layers").GetInt32(),
            Cell = Layers.LayerFixtureTests.ParseCell(model.GetProperty("cell").GetString()!),
            OutputSize = task == "classifier" ? model.GetProperty("num_classes").GetInt32() : vocab,
            Bidirectional = false,
        };
        var sequenceModel = new SequenceModel(options);
        var parameters = sequenceModel.Parameters;
        string[] names = f.Names("param_names");
        CollectionAssert.AreEquivalent(names, parameters.Names.ToArray(), "parameter names");
        foreach (string name in names)
        {
            parameters.SetValues(name, FixtureFile.ToFloat(f.Tensor("initial_params", name)));
        }

        int batch = f.Int("batch"), seq = f.Int("seq_len");
        int[] lengths = f.IntArray("lengths");
        int[] tokens = f.Tensor("tokens").Select(v => (int)v).ToArray();
        int[] labels = f.Has("labels") ? f.IntArray("labels") : [];
        int[] targets = f.Has("targets") ? f.Tensor("targets").Select(v => (int)v).ToArray() : [];
        var examples = new SequenceExample[batch];
        for (int b = 0; b < batch; b++)
        {
            int[] seqTokens = tokens.AsSpan(b * seq, lengths[b]).ToArray();
            examples[b] = options.Task == SequenceTask.Classification
                ? SequenceExample.ForClassification(seqTokens, labels[b])
                : SequenceExample.ForTagging(seqTokens, targets.AsSpan(b * seq, lengths[b]).ToArray());
        }
        sequenceModel.ValidateExamples(examples, requireTargets: true);

        var opt = f.Root.GetProperty("optimizer");
        Optimizer optimizer = opt.GetProperty("type").GetString() switch
        {
            "adam" => new AdamOptimizer(parameters.Count, new AdamOptions
            {
                LearningRate = opt.GetProperty("lr").GetDouble(),
                Beta1 = opt.GetProperty("beta1").GetDouble(),
                Beta2 = opt.GetProperty("beta2").GetDouble(),
                Epsilon = opt.GetProperty("eps").GetDouble(),
                WeightDecay = opt.GetProperty("weight_decay").GetDouble(),
            }),
            "sgd" => new SgdOptimizer(parameters.Count, new SgdOptions
            {
                LearningRate = opt.GetProperty("lr").GetDouble(),
                Momentum = opt.TryGetProperty("momentum", out var m) ? m.GetDouble() : 0,
            }),
            var other => throw new AssertFailedException($"unknown optimizer '{other}' in {fileName}"),
        };
        double? maxNorm = f.Root.TryGetProperty("clip_grad_norm", out var clip) && clip.ValueKind == System.Text.Json.JsonValueKind.Object
            ? clip.GetProperty("max_norm").GetDouble() : null;

        var ws = sequenceModel.CreateWorkspace();
        var steps = f.Root.GetProperty("steps").EnumerateArray().ToArray();
        int numSteps = f.Int("num_steps");
        for (int k = 0; k < numSteps; k++)
        {
            parameters.ZeroGradients();
            var metrics = new MetricTotals();
            double loss = sequenceModel.ComputeLoss(ws, examples, backward: true, training: true, null, default, default, default, ref metrics);
            TestAssert.AssertClose([steps[k].GetProperty("loss").GetDouble()], [(float)loss], Rtol, Atol, $"{fileName}: loss of step {k + 1}");
            if (k == 0)
            {
                foreach (string name in names)
                {
                    TestAssert.AssertClose(f.Tensor("grads_step1", name), parameters.GetGradients(name), Rtol, Atol, $"{fileName}: step-1 gradient of {name}");
                }
            }
            double norm = GradientClipping.GlobalNorm(parameters.Gradients);
            TestAssert.AssertClose([steps[k].GetProperty("grad_norm").GetDouble()], [(float)norm], Rtol, Atol, $"{fileName}: gradient norm of step {k + 1}");
            if (maxNorm is double max)
            {
                GradientClipping.ClipByGlobalNorm(parameters.Gradients, max);
            }
            optimizer.Step(parameters.Values, parameters.Gradients);
            if (k == 0)
            {
                foreach (string name in names)
                {
                    TestAssert.AssertClose(f.Tensor("params_after_step1", name), parameters.GetValues(name), Rtol, Atol, $"{fileName}: {name} after step 1");
                }
            }
        }
        foreach (string name in names)
        {
            TestAssert.AssertClose(f.Tensor("final_params", name), parameters.GetValues(name), Rtol, Atol, $"{fileName}: final {name}");
        }
        var final = new MetricTotals();
        double finalLoss = sequenceModel.ComputeLoss(ws, examples, backward: false, training: false, null, default, default, default, ref final);
        TestAssert.AssertClose([f.Number("final_loss")], [(float)finalLoss], Rtol, Atol, $"{fileName}: final loss");
    }

    [TestMethod]
    public void FixtureDirectory_HasTrainingFixtures()
    {
        Assert.IsTrue(TrainFixtures.Any(), $"no training fixtures found in {TestPaths.FixturesDirectory}");
    }
}
