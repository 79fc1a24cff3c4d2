using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Recurrent.Engine;

/// <summary>8 floats in one Vector256&lt;float&gt;: the AVX2 width of the cell kernels (see <see cref="IFloatVector{TSelf}"/>).</summary>
internal readonly struct FloatVector256 : IFloatVector<FloatVector256>
{
    /// <summary>The lanes. A field, not a property, and every value is made by <see cref="Unsafe.BitCast{TFrom, TTo}"/> (a JIT
    /// intrinsic), not a constructor: each member is then a single inline, which keeps a whole cell kernel within the
    /// JIT's inlining budget (see <see cref="RowLoop"/>).</summary>
    public readonly Vector256<float> Value;

    /// <summary>Wraps <paramref name="value"/> (for callers outside the kernels, such as tests).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector256 Of(Vector256<float> value) => Unsafe.BitCast<Vector256<float>, FloatVector256>(value);

    public static int Count => Vector256<float>.Count;

    public static FloatVector256 One
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Unsafe.BitCast<Vector256<float>, FloatVector256>(Vector256<float>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector256 Create(float value) => Unsafe.BitCast<Vector256<float>, FloatVector256>(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector256 Load(ref float source, nuint offset) => Unsafe.BitCast<Vector256<float>, FloatVector256>(Vector256.LoadUnsafe(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint offset) => Value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector256 operator +(FloatVector256 left, FloatVector256 right) => Unsafe.BitCast<Vector256<float>, FloatVector256>(left.Value + right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector256 operator -(FloatVector256 left, FloatVector256 right) => Unsafe.BitCast<Vector256<float>, FloatVector256>(left.Value - right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector256 operator *(FloatVector256 left, FloatVector256 right) => Unsafe.BitCast<Vector256<float>, FloatVector256>(left.Value * right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector256 operator /(FloatVector256 left, FloatVector256 right) => Unsafe.BitCast<Vector256<float>, FloatVector256>(left.Value / right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector256 operator -(FloatVector256 value) => Unsafe.BitCast<Vector256<float>, FloatVector256>(-value.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector256 FusedMultiplyAdd(FloatVector256 left, FloatVector256 right, FloatVector256 addend) =>
        Unsafe.BitCast<Vector256<float>, FloatVector256>(Vector256.FusedMultiplyAdd(left.Value, right.Value, addend.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector256 Clamp(FloatVector256 value, float min, float max) =>
        Unsafe.BitCast<Vector256<float>, FloatVector256>(Vector256.MinNative(Vector256.Create(max), Vector256.MaxNative(Vector256.Create(min), value.Value)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector256 Abs(FloatVector256 value) => Unsafe.BitCast<Vector256<float>, FloatVector256>(Vector256.Abs(value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector256 Floor(FloatVector256 value) => Unsafe.BitCast<Vector256<float>, FloatVector256>(Vector256.Floor(value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector256 PowerOfTwo(FloatVector256 exponent) =>
        Unsafe.BitCast<Vector256<float>, FloatVector256>(Vector256.ShiftLeft(Vector256.ConvertToInt32(exponent.Value) + Vector256.Create(127), 23).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector256 SignedOne(FloatVector256 value) => Unsafe.BitCast<Vector256<float>, FloatVector256>((value.Value & Vector256.Create(-0f)) | Vector256<float>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector256 SelectLess(FloatVector256 left, FloatVector256 right, FloatVector256 whenLess, FloatVector256 otherwise) =>
        Unsafe.BitCast<Vector256<float>, FloatVector256>(Vector256.ConditionalSelect(Vector256.LessThan(left.Value, right.Value), whenLess.Value, otherwise.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector256 SelectGreater(FloatVector256 left, FloatVector256 right, FloatVector256 whenGreater, FloatVector256 otherwise) =>
        Unsafe.BitCast<Vector256<float>, FloatVector256>(Vector256.ConditionalSelect(Vector256.GreaterThan(left.Value, right.Value), whenGreater.Value, otherwise.Value));
}
