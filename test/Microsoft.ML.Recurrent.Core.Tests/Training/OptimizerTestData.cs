namespace Microsoft.ML.Recurrent.Tests.Training;

/// <summary>Small parameter vectors and a gradient per step, shared by the optimizer tests.</summary>
internal static class OptimizerTestData
{
    public static readonly float[] InitialParameters = [1.0f, -0.5f, 0.25f, 2.0f];

    /// <summary>Gradients of steps 1, 2, 3 (they change sign and size so every term matters).</summary>
    public static readonly float[][] Gradients =
    [
        [0.5f, -0.2f, 0.0f, 1.5f],
        [0.3f, 0.1f, -0.4f, 1.0f],
        [-0.2f, 0.05f, 0.6f, 0.5f],
    ];

    public static double[] InitialAsDouble() => Array.ConvertAll(InitialParameters, x => (double)x);

    /// <summary>Runs three steps of <paramref name="optimizer"/> and returns the parameters after each step.</summary>
    public static float[][] RunThreeSteps(Microsoft.ML.Recurrent.Training.Optimizer optimizer)
    {
        var p = (float[])InitialParameters.Clone();
        var result = new float[3][];
        for (int s = 0; s < 3; s++)
        {
            optimizer.Step(p, Gradients[s]);
            result[s] = (float[])p.Clone();
        }
        return result;
    }

    /// <summary>Compares each step's parameters with a double-precision reference.</summary>
    public static void AssertSteps(double[][] expected, float[][] actual, string label)
    {
        for (int s = 0; s < expected.Length; s++)
        {
            TestAssert.AssertClose(expected[s], actual[s], 1e-5, 1e-6, $"{label} step {s + 1}");
        }
    }
}
