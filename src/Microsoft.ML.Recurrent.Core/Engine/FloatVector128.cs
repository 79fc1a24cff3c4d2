using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Recurrent.Engine;

/// <summary>4 floats in one Vector128&lt;float&gt;: the SSE and Arm NEON width of the cell kernels (see <see cref="IFloatVector{TSelf}"/>).</summary>
internal readonly struct FloatVector128 : IFloatVector<FloatVector128>
{
    /// <summary>The lanes. A field, not a property, and every value is made by <see cref="Unsafe.BitCast{TFrom, TTo}"/> (a JIT
    /// intrinsic), not a constructor: each member is then a single inline, which keeps a whole cell kernel within the
    /// JIT's inlining budget (see <see cref="RowLoop"/>).</summary>
    public readonly Vector128<float> Value;

    /// <summary>Wraps <paramref name="value"/> (for callers outside the kernels, such as tests).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector128 Of(Vector128<float> value) => Unsafe.BitCast<Vector128<float>, FloatVector128>(value);

    public static int Count => Vector128<float>.Count;

    public static FloatVector128 One
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Unsafe.BitCast<Vector128<float>, FloatVector128>(Vector128<float>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector128 Create(float value) => Unsafe.BitCast<Vector128<float>, FloatVector128>(Vector128.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector128 Load(ref float source, nuint offset) => Unsafe.BitCast<Vector128<float>, FloatVector128>(Vector128.LoadUnsafe(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint offset) => Value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector128 operator +(FloatVector128 left, FloatVector128 right) => Unsafe.BitCast<Vector128<float>, FloatVector128>(left.Value + right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector128 operator -(FloatVector128 left, FloatVector128 right) => Unsafe.BitCast<Vector128<float>, FloatVector128>(left.Value - right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector128 operator *(FloatVector128 left, FloatVector128 right) => Unsafe.BitCast<Vector128<float>, FloatVector128>(left.Value * right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector128 operator /(FloatVector128 left, FloatVector128 right) => Unsafe.BitCast<Vector128<float>, FloatVector128>(left.Value / right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector128 operator -(FloatVector128 value) => Unsafe.BitCast<Vector128<float>, FloatVector128>(-value.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector128 FusedMultiplyAdd(FloatVector128 left, FloatVector128 right, FloatVector128 addend) =>
        Unsafe.BitCast<Vector128<float>, FloatVector128>(Vector128.FusedMultiplyAdd(left.Value, right.Value, addend.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector128 Clamp(FloatVector128 value, float min, float max) =>
        Unsafe.BitCast<Vector128<float>, FloatVector128>(Vector128.MinNative(Vector128.Create(max), Vector128.MaxNative(Vector128.Create(min), value.Value)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector128 Abs(FloatVector128 value) => Unsafe.BitCast<Vector128<float>, FloatVector128>(Vector128.Abs(value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector128 Floor(FloatVector128 value) => Unsafe.BitCast<Vector128<float>, FloatVector128>(Vector128.Floor(value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector128 PowerOfTwo(FloatVector128 exponent) =>
        Unsafe.BitCast<Vector128<float>, FloatVector128>(Vector128.ShiftLeft(Vector128.ConvertToInt32(exponent.Value) + Vector128.Create(127), 23).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector128 SignedOne(FloatVector128 value) => Unsafe.BitCast<Vector128<float>, FloatVector128>((value.Value & Vector128.Create(-0f)) | Vector128<float>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector128 SelectLess(FloatVector128 left, FloatVector128 right, FloatVector128 whenLess, FloatVector128 otherwise) =>
        Unsafe.BitCast<Vector128<float>, FloatVector128>(Vector128.ConditionalSelect(Vector128.LessThan(left.Value, right.Value), whenLess.Value, otherwise.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector128 SelectGreater(FloatVector128 left, FloatVector128 right, FloatVector128 whenGreater, FloatVector128 otherwise) =>
        Unsafe.BitCast<Vector128<float>, FloatVector128>(Vector128.ConditionalSelect(Vector128.GreaterThan(left.Value, right.Value), whenGreater.Value, otherwise.Value));
}
