using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Recurrent.Engine;

/// <summary>
/// Sigmoid and tanh for the fused cell kernels, as one inlinable function per vector width. Every width and
/// the scalar form do the same float operations in the same order (fused multiply-adds included), so a value
/// never depends on the lane or the width that computed it. Accuracy: a few ulp (sigmoid through Cephes'
/// exp polynomial, tanh through Eigen's 13/6 rational approximation); tanh is exactly ±1 beyond ±9.1 (where float
/// rounds it there) and sigmoid exactly 1 for large inputs; NaN propagates.
/// </summary>
internal static class Activations
{
    // exp(x) = 2^n * e^r, n = floor(x log2(e) + 1/2), r = x - n ln 2 (ln 2 split in two for an exact product).
    private const float ExpHigh = 88.3762626647949f;
    private const float ExpLow = -87.3365447504020f;
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2High = 0.693359375f;
    private const float Ln2Low = -2.12194440e-4f;
    private const float E0 = 1.9875691500e-4f;
    private const float E1 = 1.3981999507e-3f;
    private const float E2 = 8.3334519073e-3f;
    private const float E3 = 4.1665795894e-2f;
    private const float E4 = 1.6666665459e-1f;
    private const float E5 = 5.0000001201e-1f;

    // tanh(x) = x P(x^2) / Q(x^2) on |x| <= TanhClamp (beyond it tanh rounds to ±1); tanh(x) = x below TanhTiny.
    private const float TanhClamp = 7.90531110763549805f;
    private const float TanhTiny = 0.0004f;
    private const float TanhOne = 9.1f; // from here on tanh rounds to ±1 in float
    private const float A1 = 4.89352455891786e-03f;
    private const float A3 = 6.37261928875436e-04f;
    private const float A5 = 1.48572235717979e-05f;
    private const float A7 = 5.12229709037114e-08f;
    private const float A9 = -8.60467152213735e-11f;
    private const float A11 = 2.00018790482477e-13f;
    private const float A13 = -2.76076847742355e-16f;
    private const float B0 = 4.89352518554385e-03f;
    private const float B2 = 2.26843463243900e-03f;
    private const float B4 = 1.18534705686654e-04f;
    private const float B6 = 1.19825839466702e-06f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x) => Vector512<float>.One / (Vector512<float>.One + Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x)
    {
        float c = MathF.Min(MathF.Max(x, -TanhClamp), TanhClamp);
        float x2 = c * c;
        float p = MathF.FusedMultiplyAdd(x2, A13, A11);
        p = MathF.FusedMultiplyAdd(p, x2, A9);
        p = MathF.FusedMultiplyAdd(p, x2, A7);
        p = MathF.FusedMultiplyAdd(p, x2, A5);
        p = MathF.FusedMultiplyAdd(p, x2, A3);
        p = MathF.FusedMultiplyAdd(p, x2, A1);
        p *= c;
        float q = MathF.FusedMultiplyAdd(x2, B6, B4);
        q = MathF.FusedMultiplyAdd(q, x2, B2);
        q = MathF.FusedMultiplyAdd(q, x2, B0);
        float ax = MathF.Abs(x);
        return ax < TanhTiny ? x : ax > TanhOne ? MathF.CopySign(1f, x) : p / q;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        var c = Vector256.Min(Vector256.Max(x, Vector256.Create(-TanhClamp)), Vector256.Create(TanhClamp));
        var x2 = c * c;
        var p = Vector256.FusedMultiplyAdd(x2, Vector256.Create(A13), Vector256.Create(A11));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(A9));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(A7));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(A5));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(A3));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(A1));
        p *= c;
        var q = Vector256.FusedMultiplyAdd(x2, Vector256.Create(B6), Vector256.Create(B4));
        q = Vector256.FusedMultiplyAdd(q, x2, Vector256.Create(B2));
        q = Vector256.FusedMultiplyAdd(q, x2, Vector256.Create(B0));
        var ax = Vector256.Abs(x);
        var one = (x & Vector256.Create(-0f)) | Vector256<float>.One;
        return Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(TanhTiny)), x,
            Vector256.ConditionalSelect(Vector256.GreaterThan(ax, Vector256.Create(TanhOne)), one, p / q));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        var c = Vector512.Min(Vector512.Max(x, Vector512.Create(-TanhClamp)), Vector512.Create(TanhClamp));
        var x2 = c * c;
        var p = Vector512.FusedMultiplyAdd(x2, Vector512.Create(A13), Vector512.Create(A11));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(A9));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(A7));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(A5));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(A3));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(A1));
        p *= c;
        var q = Vector512.FusedMultiplyAdd(x2, Vector512.Create(B6), Vector512.Create(B4));
        q = Vector512.FusedMultiplyAdd(q, x2, Vector512.Create(B2));
        q = Vector512.FusedMultiplyAdd(q, x2, Vector512.Create(B0));
        var ax = Vector512.Abs(x);
        var one = (x & Vector512.Create(-0f)) | Vector512<float>.One;
        return Vector512.ConditionalSelect(Vector512.LessThan(ax, Vector512.Create(TanhTiny)), x,
            Vector512.ConditionalSelect(Vector512.GreaterThan(ax, Vector512.Create(TanhOne)), one, p / q));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Exp(float x)
    {
        x = MathF.Min(MathF.Max(x, ExpLow), ExpHigh);
        float n = MathF.Floor(MathF.FusedMultiplyAdd(x, Log2E, 0.5f));
        float r = MathF.FusedMultiplyAdd(n, -Ln2High, x);
        r = MathF.FusedMultiplyAdd(n, -Ln2Low, r);
        float y = MathF.FusedMultiplyAdd(E0, r, E1);
        y = MathF.FusedMultiplyAdd(y, r, E2);
        y = MathF.FusedMultiplyAdd(y, r, E3);
        y = MathF.FusedMultiplyAdd(y, r, E4);
        y = MathF.FusedMultiplyAdd(y, r, E5);
        y = MathF.FusedMultiplyAdd(y, r * r, r) + 1f;
        return y * BitConverter.Int32BitsToSingle(((int)n + 127) << 23);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(ExpLow)), Vector256.Create(ExpHigh));
        var n = Vector256.Floor(Vector256.FusedMultiplyAdd(x, Vector256.Create(Log2E), Vector256.Create(0.5f)));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2High), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Low), r);
        var y = Vector256.FusedMultiplyAdd(Vector256.Create(E0), r, Vector256.Create(E1));
        y = Vector256.FusedMultiplyAdd(y, r, Vector256.Create(E2));
        y = Vector256.FusedMultiplyAdd(y, r, Vector256.Create(E3));
        y = Vector256.FusedMultiplyAdd(y, r, Vector256.Create(E4));
        y = Vector256.FusedMultiplyAdd(y, r, Vector256.Create(E5));
        y = Vector256.FusedMultiplyAdd(y, r * r, r) + Vector256<float>.One;
        var scale = Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
        return y * scale;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Exp(Vector512<float> x)
    {
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(ExpLow)), Vector512.Create(ExpHigh));
        var n = Vector512.Floor(Vector512.FusedMultiplyAdd(x, Vector512.Create(Log2E), Vector512.Create(0.5f)));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2High), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Low), r);
        var y = Vector512.FusedMultiplyAdd(Vector512.Create(E0), r, Vector512.Create(E1));
        y = Vector512.FusedMultiplyAdd(y, r, Vector512.Create(E2));
        y = Vector512.FusedMultiplyAdd(y, r, Vector512.Create(E3));
        y = Vector512.FusedMultiplyAdd(y, r, Vector512.Create(E4));
        y = Vector512.FusedMultiplyAdd(y, r, Vector512.Create(E5));
        y = Vector512.FusedMultiplyAdd(y, r * r, r) + Vector512<float>.One;
        var scale = Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();
        return y * scale;
    }
}
