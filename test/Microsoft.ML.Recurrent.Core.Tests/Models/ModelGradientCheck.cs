using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Tests.Models;

/// <summary>
/// Whole-model gradient check: the analytic gradient of <see cref="SequenceModel.ComputeLoss"/> against central finite
/// differences of the same loss, at a spread of parameter indices covering every tensor.
/// </summary>
internal static class ModelGradientCheck
{
    /// <summary>Checks <paramref name="probesPerTensor"/> indices of every tensor; asserts |numeric - analytic| &lt;= atol + rtol |analytic|.</summary>
    public static void AssertGradientsMatch(SequenceModel model, SequenceExample[] batch, int probesPerTensor = 6, double epsilon = 1e-3, double rtol = 2e-2, double atol = 2e-4)
    {
        var ws = model.CreateWorkspace();
        var parameters = model.Parameters;
        parameters.ZeroGradients();
        var metrics = new MetricTotals();
        model.ComputeLoss(ws, batch, backward: true, training: false, null, default, default, default, ref metrics);
        var analytic = parameters.Gradients.ToArray();
        var values = parameters.Values;
        double Loss()
        {
            var m = new MetricTotals();
            return model.ComputeLoss(ws, batch, backward: false, training: false, null, default, default, default, ref m);
        }
        var random = new Random(7);
        int checkedCount = 0;
        foreach (string name in parameters.Names)
        {
            var info = parameters.GetInfo(name);
            for (int probe = 0; probe < Math.Min(probesPerTensor, info.Length); probe++)
            {
                int i = info.Offset + random.Next(info.Length);
                float saved = values[i];
                values[i] = saved + (float)epsilon;
                double plus = Loss();
                values[i] = saved - (float)epsilon;
                double minus = Loss();
                values[i] = saved;
                double numeric = (plus - minus) / (2 * epsilon);
                Assert.IsTrue(Math.Abs(numeric - analytic[i]) <= atol + rtol * Math.Abs(analytic[i]),
                    $"{name}[{i - info.Offset}]: analytic {analytic[i]}, numeric {numeric}");
                checkedCount++;
            }
        }
        Assert.IsTrue(checkedCount > 0);
    }

    /// <summary>Token sequences of ragged lengths (the first one the longest) with labels for the model's task.</summary>
    public static SequenceExample[] Batch(SequenceModelOptions o, int count, int maxLength, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            int length = i == 0 ? maxLength : rng.Next(1, maxLength + 1);
            int[] tokens = [.. Enumerable.Range(0, length).Select(_ => rng.Next(o.VocabularySize))];
            return o.Task switch
            {
                SequenceTask.Classification => new SequenceExample { Tokens = tokens, Label = rng.Next(o.OutputSize) },
                SequenceTask.Regression => new SequenceExample { Tokens = tokens, Targets = [.. Enumerable.Range(0, o.OutputSize).Select(_ => (float)rng.NextDouble())] },
                SequenceTask.Tagging => new SequenceExample { Tokens = tokens, StepLabels = [.. tokens.Select(t => t % o.OutputSize)] },
                _ => new SequenceExample { Tokens = tokens, StepLabels = [.. tokens.Select(t => (t * 3 + 1) % o.VocabularySize)] },
            };
        }).ToArray();
    }
}
