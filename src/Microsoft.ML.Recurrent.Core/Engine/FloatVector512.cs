using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Recurrent.Engine;

/// <summary>16 floats in one Vector512&lt;float&gt;: the widest width of the cell kernels (see <see cref="IFloatVector{TSelf}"/>).</summary>
internal readonly struct FloatVector512 : IFloatVector<FloatVector512>
{
    /// <summary>The lanes. A field, not a property, and every value is made by <see cref="Unsafe.BitCast{TFrom, TTo}"/> (a JIT
    /// intrinsic), not a constructor: each member is then a single inline, which keeps a whole cell kernel within the
    /// JIT's inlining budget (see <see cref="RowLoop"/>).</summary>
    public readonly Vector512<float> Value;

    /// <summary>Wraps <paramref name="value"/> (for callers outside the kernels, such as tests).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector512 Of(Vector512<float> value) => Unsafe.BitCast<Vector512<float>, FloatVector512>(value);

    public static int Count => Vector512<float>.Count;

    public static FloatVector512 One
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Unsafe.BitCast<Vector512<float>, FloatVector512>(Vector512<float>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector512 Create(float value) => Unsafe.BitCast<Vector512<float>, FloatVector512>(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector512 Load(ref float source, nuint offset) => Unsafe.BitCast<Vector512<float>, FloatVector512>(Vector512.LoadUnsafe(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint offset) => Value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector512 operator +(FloatVector512 left, FloatVector512 right) => Unsafe.BitCast<Vector512<float>, FloatVector512>(left.Value + right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector512 operator -(FloatVector512 left, FloatVector512 right) => Unsafe.BitCast<Vector512<float>, FloatVector512>(left.Value - right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector512 operator *(FloatVector512 left, FloatVector512 right) => Unsafe.BitCast<Vector512<float>, FloatVector512>(left.Value * right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector512 operator /(FloatVector512 left, FloatVector512 right) => Unsafe.BitCast<Vector512<float>, FloatVector512>(left.Value / right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector512 operator -(FloatVector512 value) => Unsafe.BitCast<Vector512<float>, FloatVector512>(-value.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector512 FusedMultiplyAdd(FloatVector512 left, FloatVector512 right, FloatVector512 addend) =>
        Unsafe.BitCast<Vector512<float>, FloatVector512>(Vector512.FusedMultiplyAdd(left.Value, right.Value, addend.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector512 Clamp(FloatVector512 value, float min, float max) =>
        Unsafe.BitCast<Vector512<float>, FloatVector512>(Vector512.MinNative(Vector512.Create(max), Vector512.MaxNative(Vector512.Create(min), value.Value)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector512 Abs(FloatVector512 value) => Unsafe.BitCast<Vector512<float>, FloatVector512>(Vector512.Abs(value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector512 Floor(FloatVector512 value) => Unsafe.BitCast<Vector512<float>, FloatVector512>(Vector512.Floor(value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector512 PowerOfTwo(FloatVector512 exponent) =>
        Unsafe.BitCast<Vector512<float>, FloatVector512>(Vector512.ShiftLeft(Vector512.ConvertToInt32(exponent.Value) + Vector512.Create(127), 23).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector512 SignedOne(FloatVector512 value) => Unsafe.BitCast<Vector512<float>, FloatVector512>((value.Value & Vector512.Create(-0f)) | Vector512<float>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector512 SelectLess(FloatVector512 left, FloatVector512 right, FloatVector512 whenLess, FloatVector512 otherwise) =>
        Unsafe.BitCast<Vector512<float>, FloatVector512>(Vector512.ConditionalSelect(Vector512.LessThan(left.Value, right.Value), whenLess.Value, otherwise.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector512 SelectGreater(FloatVector512 left, FloatVector512 right, FloatVector512 whenGreater, FloatVector512 otherwise) =>
        Unsafe.BitCast<Vector512<float>, FloatVector512>(Vector512.ConditionalSelect(Vector512.GreaterThan(left.Value, right.Value), whenGreater.Value, otherwise.Value));
}
