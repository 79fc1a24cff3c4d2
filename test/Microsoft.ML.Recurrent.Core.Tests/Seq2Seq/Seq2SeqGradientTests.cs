using Microsoft.ML.Recurrent.Seq2Seq;

namespace Microsoft.ML.Recurrent.Tests.Seq2Seq;

/// <summary>
/// The analytic gradients of <see cref="Seq2SeqModel"/> against central finite differences of its loss, for every
/// parameter tensor (embeddings, encoder, bridge, attention of both kinds, input feeding, decoder, output).
/// </summary>
[TestClass]
public sealed class Seq2SeqGradientTests
{
    public static IEnumerable<object[]> Shapes => Seq2SeqTestModels.Shapes;

    [TestMethod]
    [DynamicData(nameof(Shapes))]
    public void ComputeGradients_EveryParameter_MatchesFiniteDifferences(string encoder, bool bidirectional, int encoderLayers,
        string decoder, int decoderLayers, string attention, bool feeding, int features)
    {
        var model = Seq2SeqTestModels.Create(encoder, bidirectional, encoderLayers, decoder, decoderLayers, attention, feeding, features);
        var batch = Seq2SeqTestModels.Batch(model, 4);
        const float smoothing = 0.1f;
        var parameters = model.Parameters;
        parameters.ZeroGradients();
        model.ComputeGradients(batch, smoothing);
        float[] analytic = (float[])parameters.Gradients.Clone();
        var values = parameters.Values;
        var rng = new Random(11);
        const float eps = 1e-2f;
        int checkedCount = 0;
        foreach (string name in parameters.Names)
        {
            var info = parameters.GetInfo(name);
            // Every element of small tensors, a sample of larger ones.
            var indices = info.Length <= 24 ? Enumerable.Range(0, info.Length) : Enumerable.Range(0, 24).Select(_ => rng.Next(info.Length));
            foreach (int i in indices)
            {
                int at = info.Offset + i;
                float saved = values[at];
                values[at] = saved + eps;
                double plus = model.ComputeLoss(batch, smoothing);
                values[at] = saved - eps;
                double minus = model.ComputeLoss(batch, smoothing);
                values[at] = saved;
                double numeric = (plus - minus) / (2 * eps);
                Assert.IsTrue(Math.Abs(numeric - analytic[at]) <= 2e-4 + 1e-2 * Math.Abs(numeric),
                    $"{name}[{i}]: analytic {analytic[at]}, finite differences {numeric}");
                checkedCount++;
            }
        }
        Assert.IsTrue(checkedCount > 100, $"only {checkedCount} values checked");
    }
}
