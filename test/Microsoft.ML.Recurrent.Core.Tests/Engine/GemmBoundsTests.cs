using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Tests.Engine;

/// <summary>
/// Part of the size-overflow family: every GEMM entry checks its spans against the shape it is asked for, in Release
/// too, so a wrong size product fails with an exception instead of reading or writing past a buffer.
/// </summary>
[TestClass]
public sealed class GemmBoundsTests
{
    [TestMethod]
    [DataRow(false, false)]
    [DataRow(true, false)]
    [DataRow(false, true)]
    [DataRow(true, true)]
    public void Multiply_OutputOneShort_ThrowsAndWritesNothing(bool transA, bool transB)
    {
        const int m = 9, n = 7, k = 5;
        var a = Filled(m * k);
        var b = Filled(k * n);
        var buffer = new float[m * n];

        var ex = Assert.ThrowsExactly<ArgumentException>(() => Gemm.Multiply(transA, transB, m, n, k, a, transA ? m : k, b, transB ? k : n, buffer.AsSpan(0, m * n - 1), n, accumulate: false));

        StringAssert.Contains(ex.Message, "c");
        Assert.AreEqual(0f, buffer[^1], "nothing written past the span");
    }

    [TestMethod]
    public void Multiply_InputsShorterThanShape_Throw()
    {
        const int m = 8, n = 8, k = 8;
        var c = new float[m * n];
        Assert.ThrowsExactly<ArgumentException>(() => Gemm.Multiply(false, false, m, n, k, Filled(m * k - 1), k, Filled(k * n), n, c, n, accumulate: false));
        Assert.ThrowsExactly<ArgumentException>(() => Gemm.Multiply(false, false, m, n, k, Filled(m * k), k, Filled(k * n - 1), n, c, n, accumulate: false));
        Assert.ThrowsExactly<ArgumentException>(() => Gemm.Multiply(false, false, m, n, k, Filled(m * k), k, Filled(k * n), n, c, n, accumulate: false, Filled(n - 1)));
        Assert.ThrowsExactly<ArgumentException>(() => Gemm.Multiply(false, false, m, n, k, Filled(m * k), k - 1, Filled(k * n), n, c, n, accumulate: false));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, -1, n, k, Filled(m * k), k, Filled(k * n), n, c, n, accumulate: false));
    }

    [TestMethod]
    public void Multiply_ShapeProductBeyondInt_ThrowsInsteadOfWriting()
    {
        // m * ldc = 2^32 wraps to 0 in int: a check in int arithmetic would pass and the kernel would write 16 GB.
        const int m = 65_536, n = 65_536, k = 1;
        var c = new float[1024];

        var ex = Assert.ThrowsExactly<ArgumentException>(() => Gemm.Multiply(false, false, m, n, k, Filled(m), 1, Filled(n), n, c, n, accumulate: false));

        StringAssert.Contains(ex.Message, "4294967296");
    }

    [TestMethod]
    public void MultiplyPacked_ShortSpans_Throw()
    {
        const int m = 6, n = 40, k = 300;
        var packed = new PackedMatrix();
        Gemm.Pack(false, k, n, Filled(k * n), n, packed);
        var a = Filled(m * k);
        Assert.ThrowsExactly<ArgumentException>(() => Gemm.MultiplyPacked(m, a, k, packed, new float[m * n - 1], n, accumulate: false));
        Assert.ThrowsExactly<ArgumentException>(() => Gemm.MultiplyPacked(m, Filled(m * k - 1), k, packed, new float[m * n], n, accumulate: false));
        Assert.ThrowsExactly<ArgumentException>(() => Gemm.MultiplyPacked(m, a, k, packed, new float[m * n], n, accumulate: false, Filled(n - 1)));
    }

    [TestMethod]
    public void Pack_SourceShorterThanShape_Throws()
    {
        Assert.ThrowsExactly<ArgumentException>(() => Gemm.Pack(false, 20, 30, Filled(20 * 30 - 1), 30, new PackedMatrix()));
        Assert.ThrowsExactly<ArgumentException>(() => Gemm.Pack(true, 20, 30, Filled(20 * 30 - 1), 20, new PackedMatrix()));
    }

    private static float[] Filled(int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (i % 7) - 3;
        }
        return values;
    }
}
