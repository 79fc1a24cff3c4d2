namespace Microsoft.ML.Recurrent.Tests;

/// <summary>Shared numeric assertions: report the first bad index and the largest difference.</summary>
internal static class TestAssert
{
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double rtol, double atol, string label)
    {
        Assert.AreEqual(expected.Length, actual.Length, $"{label}: length");
        int firstBad = -1;
        double maxDiff = 0;
        int maxAt = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs(expected[i] - actual[i]);
            if (!(diff <= atol + rtol * Math.Abs(expected[i])) && firstBad < 0)
            {
                firstBad = i;
            }
            if (!(diff <= maxDiff))
            {
                maxDiff = diff;
                maxAt = i;
            }
        }
        if (firstBad >= 0)
        {
            Assert.Fail($"{label}: first bad index {firstBad}: expected {expected[firstBad]:R}, actual {actual[firstBad]:R}; " +
                $"max |diff| {maxDiff:E3} at {maxAt}; tolerance atol {atol}, rtol {rtol}");
        }
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double rtol, double atol, string label)
    {
        var e = new double[expected.Length];
        for (int i = 0; i < e.Length; i++)
        {
            e[i] = expected[i];
        }
        AssertClose(e, actual, rtol, atol, label);
    }

    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double rtol, double atol, string label)
    {
        Assert.AreEqual(expected.Length, actual.Length, $"{label}: length");
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs(expected[i] - actual[i]);
            if (!(diff <= atol + rtol * Math.Abs(expected[i])))
            {
                Assert.Fail($"{label}: first bad index {i}: expected {expected[i]:R}, actual {actual[i]:R}; tolerance atol {atol}, rtol {rtol}");
            }
        }
    }

    public static void AssertBitIdentical(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string label)
    {
        Assert.AreEqual(expected.Length, actual.Length, $"{label}: length");
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"{label}: not bit-identical at {i}: {expected[i]:R} vs {actual[i]:R}");
            }
        }
    }
}
