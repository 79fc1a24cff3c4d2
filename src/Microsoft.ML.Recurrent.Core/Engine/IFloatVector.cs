namespace Microsoft.ML.Recurrent.Engine;

/// <summary>
/// The float arithmetic of the cell kernels at one width: <see cref="FloatVector512"/>, <see cref="FloatVector256"/>,
/// <see cref="FloatVector128"/>, or <see cref="FloatScalar"/> for the tail of a row. A kernel written once against
/// this interface runs at every width with the same operations in the same order (fused multiply-adds included), so a
/// value never depends on the width or the lane that computed it. Every member inlines to an instruction or two;
/// a kernel generic over <c>T : struct, IFloatVector&lt;T&gt;</c> is compiled once per width, like TensorPrimitives'
/// operators.
/// </summary>
internal interface IFloatVector<TSelf> where TSelf : struct, IFloatVector<TSelf>
{
    /// <summary>The number of floats (lanes) in one value.</summary>
    static abstract int Count { get; }

    /// <summary>1 in every lane.</summary>
    static abstract TSelf One { get; }

    /// <summary><paramref name="value"/> in every lane.</summary>
    static abstract TSelf Create(float value);

    /// <summary>Count floats from <paramref name="source"/> + <paramref name="offset"/>, unchecked.</summary>
    static abstract TSelf Load(ref float source, nuint offset);

    /// <summary>Writes the lanes to <paramref name="destination"/> + <paramref name="offset"/>, unchecked.</summary>
    void Store(ref float destination, nuint offset);

    static abstract TSelf operator +(TSelf left, TSelf right);

    static abstract TSelf operator -(TSelf left, TSelf right);

    static abstract TSelf operator *(TSelf left, TSelf right);

    static abstract TSelf operator /(TSelf left, TSelf right);

    static abstract TSelf operator -(TSelf value);

    /// <summary>left * right + addend, rounded once.</summary>
    static abstract TSelf FusedMultiplyAdd(TSelf left, TSelf right, TSelf addend);

    /// <summary>
    /// min(max(value, min), max) for bounds that are neither NaN nor zero; a NaN value stays NaN. Vectors use the
    /// plain min/max instructions with the bound first (which return the second operand when it is NaN) rather than
    /// Vector.Min/Max, whose IEEE handling of NaN and -0 costs three instructions each when the JIT cannot see the bound.
    /// </summary>
    static abstract TSelf Clamp(TSelf value, float min, float max);

    static abstract TSelf Abs(TSelf value);

    static abstract TSelf Floor(TSelf value);

    /// <summary>2^n for an integral <paramref name="exponent"/> n in float's normal exponent range, built from its bits.</summary>
    static abstract TSelf PowerOfTwo(TSelf exponent);

    /// <summary>±1 with the sign of <paramref name="value"/>.</summary>
    static abstract TSelf SignedOne(TSelf value);

    /// <summary>Per lane: left &lt; right ? whenLess : otherwise (false for NaN).</summary>
    static abstract TSelf SelectLess(TSelf left, TSelf right, TSelf whenLess, TSelf otherwise);

    /// <summary>Per lane: left &gt; right ? whenGreater : otherwise (false for NaN).</summary>
    static abstract TSelf SelectGreater(TSelf left, TSelf right, TSelf whenGreater, TSelf otherwise);
}
