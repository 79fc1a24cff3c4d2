using System.Runtime.CompilerServices;

namespace Microsoft.ML.Recurrent.Engine;

/// <summary>
/// Sigmoid and tanh for the fused cell kernels, written once for every width (<see cref="IFloatVector{TSelf}"/>):
/// every vector width and the scalar form do the same float operations in the same order (fused multiply-adds
/// included), so a value never depends on the lane or the width that computed it. Accuracy: a few ulp (sigmoid through Cephes'
/// exp polynomial, tanh through Eigen's 13/6 rational approximation); tanh is exactly ±1 beyond ±9.1 (where float
/// rounds it there) and sigmoid exactly 1 for large inputs; NaN propagates.
/// </summary>
internal static class Activations
{
    // exp(x) = 2^n * e^r, n = floor(x log2(e) + 1/2), r = x - n ln 2 (ln 2 split in two for an exact product).
    private const float ExpHigh = 88.3762626647949f;
    /// <summary>The smallest argument <see cref="Exp{T}"/> takes (exp of it is float's smallest normal value); smaller ones are clamped to it.</summary>
    internal const float ExpLow = -87.3365447504020f;
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

    /// <summary>1 / (1 + exp(-x)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sigmoid<T>(T x) where T : struct, IFloatVector<T> => T.One / (T.One + Exp(-x));

    /// <summary>tanh(x): x below <see cref="TanhTiny"/>, ±1 beyond <see cref="TanhOne"/>, the rational approximation between.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Tanh<T>(T x) where T : struct, IFloatVector<T>
    {
        var c = T.Clamp(x, -TanhClamp, TanhClamp);
        var x2 = c * c;
        var p = T.FusedMultiplyAdd(x2, T.Create(A13), T.Create(A11));
        p = T.FusedMultiplyAdd(p, x2, T.Create(A9));
        p = T.FusedMultiplyAdd(p, x2, T.Create(A7));
        p = T.FusedMultiplyAdd(p, x2, T.Create(A5));
        p = T.FusedMultiplyAdd(p, x2, T.Create(A3));
        p = T.FusedMultiplyAdd(p, x2, T.Create(A1));
        p *= c;
        var q = T.FusedMultiplyAdd(x2, T.Create(B6), T.Create(B4));
        q = T.FusedMultiplyAdd(q, x2, T.Create(B2));
        q = T.FusedMultiplyAdd(q, x2, T.Create(B0));
        var ax = T.Abs(x);
        return T.SelectLess(ax, T.Create(TanhTiny), x, T.SelectGreater(ax, T.Create(TanhOne), T.SignedOne(x), p / q));
    }

    /// <summary>exp(x) for x clamped to [<see cref="ExpLow"/>, 88.38] (Cephes' polynomial, a few ulp); NaN propagates. Also the softmax's exp (CrossEntropyRows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Exp<T>(T x) where T : struct, IFloatVector<T>
    {
        x = T.Clamp(x, ExpLow, ExpHigh);
        var n = T.Floor(T.FusedMultiplyAdd(x, T.Create(Log2E), T.Create(0.5f)));
        var r = T.FusedMultiplyAdd(n, T.Create(-Ln2High), x);
        r = T.FusedMultiplyAdd(n, T.Create(-Ln2Low), r);
        var y = T.FusedMultiplyAdd(T.Create(E0), r, T.Create(E1));
        y = T.FusedMultiplyAdd(y, r, T.Create(E2));
        y = T.FusedMultiplyAdd(y, r, T.Create(E3));
        y = T.FusedMultiplyAdd(y, r, T.Create(E4));
        y = T.FusedMultiplyAdd(y, r, T.Create(E5));
        y = T.FusedMultiplyAdd(y, r * r, r) + T.One;
        return y * T.PowerOfTwo(n);
    }
}
