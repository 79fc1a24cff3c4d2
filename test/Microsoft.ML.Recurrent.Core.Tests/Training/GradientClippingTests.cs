using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Training;

[TestClass]
public sealed class GradientClippingTests
{
    [TestMethod]
    public void ClipByGlobalNorm_AboveMax_ReturnsNormAndScales()
    {
        float[] g = [3f, -4f, 0f, 12f]; // norm 13
        double norm = GradientClipping.ClipByGlobalNorm(g, 1.0);
        Assert.AreEqual(13.0, norm, 1e-12);
        double coef = 1.0 / (13.0 + 1e-6);
        TestAssert.AssertClose(new[] { 3 * coef, -4 * coef, 0, 12 * coef }, g, 1e-6, 0, "clipped");
        Assert.AreEqual(1.0, GradientClipping.GlobalNorm(g), 1e-6);
    }

    [TestMethod]
    public void ClipByGlobalNorm_BelowMax_LeavesGradientsUnchanged()
    {
        float[] g = [0.3f, -0.4f];
        float[] before = (float[])g.Clone();
        double norm = GradientClipping.ClipByGlobalNorm(g, 1.0);
        Assert.AreEqual(0.5, norm, 1e-7);
        TestAssert.AssertBitIdentical(before, g, "unclipped");
    }

    [TestMethod]
    public void ClipByGlobalNorm_NormEqualToMax_ScalesByFloatCoefficientLikePyTorch()
    {
        // coef = 1 / (1 + 1e-6) is just below 1, so PyTorch scales (computing coef in float32).
        float[] g = [0.6f, 0.8f];
        double norm = GradientClipping.ClipByGlobalNorm(g, 1.0);
        Assert.AreEqual(1.0, norm, 1e-7);
        float coef = 1f / ((float)norm + 1e-6f);
        Assert.AreEqual(0.6f * coef, g[0]);
        Assert.AreNotEqual(0.6f, g[0]);
    }

    [TestMethod]
    public void GlobalNorm_LongBuffer_AccumulatesAccurately()
    {
        var g = new float[100_003];
        Array.Fill(g, 0.1f);
        double expected = Math.Sqrt(g.Length * (double)0.1f * 0.1f);
        Assert.AreEqual(expected, GradientClipping.GlobalNorm(g), expected * 1e-6);
    }

    [TestMethod]
    public void GlobalNorm_HugeValues_DoesNotOverflow()
    {
        float[] g = [3e20f, 4e20f];
        Assert.AreEqual(5e20, GradientClipping.GlobalNorm(g), 5e20 * 1e-6);
    }

    [TestMethod]
    public void ClipByGlobalNorm_NonFinite_ReportsNaNByDefaultAndThrowsWhenAsked()
    {
        float[] g = [1f, float.NaN];
        Assert.IsTrue(double.IsNaN(GradientClipping.ClipByGlobalNorm((float[])g.Clone(), 1.0)));
        float[] h = [1f, float.PositiveInfinity];
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => GradientClipping.ClipByGlobalNorm(h, 1.0, errorIfNonFinite: true));
        StringAssert.Contains(ex.Message, "Infinity");
        Assert.AreEqual(1f, h[0]);
    }

    [TestMethod]
    [DataRow(0.0)]
    [DataRow(-1.0)]
    [DataRow(double.NaN)]
    public void ClipByGlobalNorm_BadMaxNorm_Throws(double maxNorm)
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GradientClipping.ClipByGlobalNorm(new float[2], maxNorm));
        Assert.AreEqual("maxNorm", ex.ParamName);
    }

    [TestMethod]
    public void ClipByValue_ClampsBothSides()
    {
        float[] g = [-3f, -0.5f, 0f, 0.5f, 3f];
        GradientClipping.ClipByValue(g, 1f);
        TestAssert.AssertBitIdentical([-1f, -0.5f, 0f, 0.5f, 1f], g, "clamped");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GradientClipping.ClipByValue(g, 0f));
    }
}
