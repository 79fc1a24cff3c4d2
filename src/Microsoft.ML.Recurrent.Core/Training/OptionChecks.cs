namespace Microsoft.ML.Recurrent.Training;

/// <summary>Range checks for options, with messages that name the argument, the value and what is allowed.</summary>
internal static class OptionChecks
{
    public static void NonNegative(double value, string name)
    {
        if (!(value >= 0) || double.IsPositiveInfinity(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and >= 0; got {value}.");
        }
    }

    public static void Positive(double value, string name)
    {
        if (!(value > 0) || double.IsPositiveInfinity(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and > 0; got {value}.");
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
