using System.Text.Json;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Training;

/// <summary>
/// The PyTorch training fixtures' first step, from the recorded raw gradients: global-norm clipping and the
/// optimizer update over one flat parameter buffer must give <c>params_after_step1</c>.
/// </summary>
[TestClass]
public sealed class TrainingFixtureStepTests
{
    [TestMethod]
    public void AdamWithClipping_FromRecordedGradients_MatchesParamsAfterStep1()
    {
        using JsonDocument doc = Load("train_lstm_classifier_adam.json");
        JsonElement root = doc.RootElement;
        (float[] parameters, float[] gradients, double[] expected) = Flatten(root);
        JsonElement options = root.GetProperty("optimizer");
        var adam = new AdamOptimizer(parameters.Length, new AdamOptions
        {
            LearningRate = options.GetProperty("lr").GetDouble(),
            Beta1 = options.GetProperty("beta1").GetDouble(),
            Beta2 = options.GetProperty("beta2").GetDouble(),
            Epsilon = options.GetProperty("eps").GetDouble(),
        });

        double norm = GradientClipping.ClipByGlobalNorm(gradients, root.GetProperty("clip_grad_norm").GetProperty("max_norm").GetDouble());
        JsonElement step1 = root.GetProperty("steps")[0];
        Assert.AreEqual(step1.GetProperty("grad_norm").GetDouble(), norm, 1e-5);
        adam.Step(parameters, gradients);
        // The stricter tier of the fixture README (PyTorch float32 itself passes it).
        TestAssert.AssertClose(expected, parameters, 1e-5, 1e-6, "params_after_step1");
    }

    [TestMethod]
    public void Sgd_FromRecordedGradients_MatchesParamsAfterStep1()
    {
        using JsonDocument doc = Load("train_gru_nexttoken_sgd.json");
        JsonElement root = doc.RootElement;
        (float[] parameters, float[] gradients, double[] expected) = Flatten(root);
        var sgd = new SgdOptimizer(parameters.Length, new SgdOptions { LearningRate = root.GetProperty("optimizer").GetProperty("lr").GetDouble() });
        sgd.Step(parameters, gradients);
        // The stricter tier of the fixture README (PyTorch float32 itself passes it).
        TestAssert.AssertClose(expected, parameters, 1e-5, 1e-6, "params_after_step1");
    }

    private static (float[] Parameters, float[] Gradients, double[] Expected) Flatten(JsonElement root)
    {
        var parameters = new List<float>();
        var gradients = new List<float>();
        var expected = new List<double>();
        foreach (JsonElement name in root.GetProperty("param_names").EnumerateArray())
        {
            string key = name.GetString()!;
            parameters.AddRange(Data(root.GetProperty("initial_params").GetProperty(key)).Select(x => (float)x));
            gradients.AddRange(Data(root.GetProperty("grads_step1").GetProperty(key)).Select(x => (float)x));
            expected.AddRange(Data(root.GetProperty("params_after_step1").GetProperty(key)));
        }
        return (parameters.ToArray(), gradients.ToArray(), expected.ToArray());
    }

    private static IEnumerable<double> Data(JsonElement tensor) =>
        tensor.GetProperty("data").EnumerateArray().Select(v => v.GetDouble());

    private static JsonDocument Load(string fileName)
    {
        // The fixtures live beside the repository: ../shared/fixtures/recurrent (see STYLE.md).
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "fixtures", "recurrent", fileName);
            if (File.Exists(candidate))
            {
                return JsonDocument.Parse(File.ReadAllText(candidate));
            }
        }
        Assert.Inconclusive($"Fixture {fileName} not found in any shared/fixtures/recurrent above {AppContext.BaseDirectory}.");
        throw new InvalidOperationException("unreachable");
    }
}
