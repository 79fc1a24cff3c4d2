using System.Runtime.CompilerServices;

namespace Microsoft.ML.Recurrent.Engine;

/// <summary>One float: the tail of a row in the cell kernels, with the same operations as every vector width (see <see cref="IFloatVector{TSelf}"/>).</summary>
internal readonly struct FloatScalar : IFloatVector<FloatScalar>
{
    /// <summary>The value (a field and a bit cast, as in <see cref="FloatVector512"/>).</summary>
    public readonly float Value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatScalar Of(float value) => Unsafe.BitCast<float, FloatScalar>(value);

    public static int Count => 1;

    public static FloatScalar One
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Unsafe.BitCast<float, FloatScalar>(1f);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatScalar Create(float value) => Unsafe.BitCast<float, FloatScalar>(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatScalar Load(ref float source, nuint offset) => Unsafe.BitCast<float, FloatScalar>(Unsafe.Add(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint offset) => Unsafe.Add(ref destination, offset) = Value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatScalar operator +(FloatScalar left, FloatScalar right) => Unsafe.BitCast<float, FloatScalar>(left.Value + right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatScalar operator -(FloatScalar left, FloatScalar right) => Unsafe.BitCast<float, FloatScalar>(left.Value - right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatScalar operator *(FloatScalar left, FloatScalar right) => Unsafe.BitCast<float, FloatScalar>(left.Value * right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatScalar operator /(FloatScalar left, FloatScalar right) => Unsafe.BitCast<float, FloatScalar>(left.Value / right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatScalar operator -(FloatScalar value) => Unsafe.BitCast<float, FloatScalar>(-value.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatScalar FusedMultiplyAdd(FloatScalar left, FloatScalar right, FloatScalar addend) =>
        Unsafe.BitCast<float, FloatScalar>(MathF.FusedMultiplyAdd(left.Value, right.Value, addend.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatScalar Clamp(FloatScalar value, float min, float max) =>
        Unsafe.BitCast<float, FloatScalar>(MathF.Min(MathF.Max(value.Value, min), max));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatScalar Abs(FloatScalar value) => Unsafe.BitCast<float, FloatScalar>(MathF.Abs(value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatScalar Floor(FloatScalar value) => Unsafe.BitCast<float, FloatScalar>(MathF.Floor(value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatScalar PowerOfTwo(FloatScalar exponent) => Unsafe.BitCast<float, FloatScalar>(BitConverter.Int32BitsToSingle(((int)exponent.Value + 127) << 23));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatScalar SignedOne(FloatScalar value) => Unsafe.BitCast<float, FloatScalar>(MathF.CopySign(1f, value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatScalar SelectLess(FloatScalar left, FloatScalar right, FloatScalar whenLess, FloatScalar otherwise) =>
        left.Value < right.Value ? whenLess : otherwise;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatScalar SelectGreater(FloatScalar left, FloatScalar right, FloatScalar whenGreater, FloatScalar otherwise) =>
        left.Value > right.Value ? whenGreater : otherwise;
}
