using System.Runtime.Intrinsics;
using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Tests.Engine;

/// <summary>The cell kernels' sigmoid and tanh: accuracy against double, every width equal to the scalar form, limits and NaN.</summary>
[TestClass]
public sealed class ActivationsTests
{
    private static IEnumerable<float> Inputs()
    {
        var rng = new Random(21);
        for (int i = 0; i < 200_000; i++)
        {
            yield return (float)((rng.NextDouble() * 2 - 1) * 30);
            yield return (float)((rng.NextDouble() * 2 - 1) * Math.Pow(10, rng.Next(-9, 2)));
        }
        for (float x = -12f; x <= 12f; x += 1f / 64)
        {
            yield return x;
        }
    }

    [TestMethod]
    public void SigmoidAndTanh_ManyInputs_WithinFewUlpOfDoubleAndSameInEveryWidth()
    {
        double worstSigmoid = 0, worstTanh = 0;
        foreach (float x in Inputs())
        {
            float sigmoid = Activations.Sigmoid(FloatScalar.Of(x)).Value;
            float tanh = Activations.Tanh(FloatScalar.Of(x)).Value;
            Assert.AreEqual(sigmoid, Activations.Sigmoid(FloatVector128.Of(Vector128.Create(x))).Value.GetElement(1), 0f, $"sigmoid Vector128 at {x}");
            Assert.AreEqual(tanh, Activations.Tanh(FloatVector128.Of(Vector128.Create(x))).Value.GetElement(3), 0f, $"tanh Vector128 at {x}");
            Assert.AreEqual(sigmoid, Activations.Sigmoid(FloatVector256.Of(Vector256.Create(x))).Value.GetElement(5), 0f, $"sigmoid Vector256 at {x}");
            Assert.AreEqual(tanh, Activations.Tanh(FloatVector256.Of(Vector256.Create(x))).Value.GetElement(2), 0f, $"tanh Vector256 at {x}");
            Assert.AreEqual(sigmoid, Activations.Sigmoid(FloatVector512.Of(Vector512.Create(x))).Value.GetElement(11), 0f, $"sigmoid Vector512 at {x}");
            Assert.AreEqual(tanh, Activations.Tanh(FloatVector512.Of(Vector512.Create(x))).Value.GetElement(7), 0f, $"tanh Vector512 at {x}");
            double s = 1 / (1 + Math.Exp(-(double)x));
            double t = Math.Tanh(x);
            worstSigmoid = Math.Max(worstSigmoid, Math.Abs(sigmoid - s) / Math.Max(s, 1e-30));
            worstTanh = Math.Max(worstTanh, t == 0 ? Math.Abs(tanh) : Math.Abs(tanh - t) / Math.Abs(t));
        }
        // float's ulp is 1.19e-7 relative at most: a few ulp.
        Assert.IsTrue(worstSigmoid < 5e-7, $"sigmoid relative error {worstSigmoid:E2}");
        Assert.IsTrue(worstTanh < 5e-7, $"tanh relative error {worstTanh:E2}");
    }

    [TestMethod]
    [DataRow(300f, 1f, 1f)]
    [DataRow(-300f, 0f, -1f)]
    [DataRow(float.PositiveInfinity, 1f, 1f)]
    [DataRow(float.NegativeInfinity, 0f, -1f)]
    [DataRow(20f, 1f, 1f)]
    [DataRow(0f, 0.5f, 0f)]
    public void SigmoidAndTanh_Limits_Saturate(float x, float sigmoid, float tanh)
    {
        foreach (float actual in new[] { Activations.Sigmoid(FloatScalar.Of(x)).Value, Activations.Sigmoid(FloatVector128.Of(Vector128.Create(x))).Value.GetElement(0), Activations.Sigmoid(FloatVector256.Of(Vector256.Create(x))).Value.GetElement(0), Activations.Sigmoid(FloatVector512.Of(Vector512.Create(x))).Value.GetElement(0) })
        {
            Assert.AreEqual(sigmoid, actual, 1e-37f, $"sigmoid({x})");
        }
        foreach (float actual in new[] { Activations.Tanh(FloatScalar.Of(x)).Value, Activations.Tanh(FloatVector128.Of(Vector128.Create(x))).Value.GetElement(0), Activations.Tanh(FloatVector256.Of(Vector256.Create(x))).Value.GetElement(0), Activations.Tanh(FloatVector512.Of(Vector512.Create(x))).Value.GetElement(0) })
        {
            Assert.AreEqual(tanh, actual, 0f, $"tanh({x})");
        }
    }

    [TestMethod]
    public void SigmoidAndTanh_NaN_Propagates()
    {
        Assert.IsTrue(float.IsNaN(Activations.Sigmoid(FloatScalar.Of(float.NaN)).Value));
        Assert.IsTrue(float.IsNaN(Activations.Tanh(FloatScalar.Of(float.NaN)).Value));
        Assert.IsTrue(float.IsNaN(Activations.Sigmoid(FloatVector128.Of(Vector128.Create(float.NaN))).Value.GetElement(3)));
        Assert.IsTrue(float.IsNaN(Activations.Sigmoid(FloatVector256.Of(Vector256.Create(float.NaN))).Value.GetElement(3)));
        Assert.IsTrue(float.IsNaN(Activations.Tanh(FloatVector128.Of(Vector128.Create(float.NaN))).Value.GetElement(3)));
        Assert.IsTrue(float.IsNaN(Activations.Tanh(FloatVector256.Of(Vector256.Create(float.NaN))).Value.GetElement(3)));
        Assert.IsTrue(float.IsNaN(Activations.Sigmoid(FloatVector512.Of(Vector512.Create(float.NaN))).Value.GetElement(9)));
        Assert.IsTrue(float.IsNaN(Activations.Tanh(FloatVector512.Of(Vector512.Create(float.NaN))).Value.GetElement(9)));
    }
}
