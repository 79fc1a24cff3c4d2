namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// Range checks for options, with messages that name the argument, the value and what is allowed. Training computes
/// in 32-bit floats, so a value that is finite as a double but not as a float (above 3.4e38) is refused as well:
/// it would be applied as infinity.
/// </summary>
internal static class OptionChecks
{
    public static void NonNegative(double value, string name)
    {
        if (!(value >= 0 && value <= float.MaxValue))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be >= 0 and at most {float.MaxValue} (the largest 32-bit float, as training applies it); got {value}.");
        }
    }

    public static void Positive(double value, string name)
    {
        if (!(value > 0 && value <= float.MaxValue))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be > 0 and at most {float.MaxValue} (the largest 32-bit float, as training applies it); got {value}.");
        }
    }

    /// <summary>Checks <c>0 &lt;= value &lt; 1</c>.</summary>
    public static void UnitInterval(double value, string name)
    {
        if (!(value >= 0 && value < 1))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1); got {value}.");
        }
    }

    /// <summary>Checks <c>0 &lt;= value &lt;= 1</c>.</summary>
    public static void ClosedUnitInterval(double value, string name)
    {
        if (!(value >= 0 && value <= 1))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1]; got {value}.");
        }
    }
}
