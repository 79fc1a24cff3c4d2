using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Tests.Models;

[TestClass]
public sealed class MeanSquaredErrorLossTests
{
    [TestMethod]
    public void ForwardBackward_MatchesHandComputationAndAddsGradient()
    {
        float[] p = [1f, 2f, -1f, 0.5f];
        float[] t = [0f, 2.5f, 1f, 0.5f];
        float[] d = [10f, 10f, 10f, 10f];
        double loss = MeanSquaredErrorLoss.ForwardBackward(p, t, d);
        Assert.AreEqual((1 + 0.25 + 4 + 0) / 4.0, loss, 1e-12);
        Assert.AreEqual(loss, MeanSquaredErrorLoss.Forward(p, t), 0);
        TestAssert.AssertClose(new[] { 10 + 0.5, 10 - 0.25, 10 - 1.0, 10.0 }, d, 1e-7, 0, "dPredictions");
    }

    [TestMethod]
    public void Forward_LengthMismatch_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => MeanSquaredErrorLoss.Forward(new float[3], new float[2]));
        Assert.AreEqual("targets", ex.ParamName);
    }
}
