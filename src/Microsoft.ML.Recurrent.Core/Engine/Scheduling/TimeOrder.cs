namespace Microsoft.ML.Recurrent.Engine.Scheduling;

/// <summary>
/// Which time step a loop computes at each of its loop steps. Direction 0 runs in time order (t = 0, 1, ...), direction 1
/// (the reverse direction of a bidirectional layer) from the last step back; a backward pass runs each direction's
/// forward order in reverse. Ranks are ordered longest first, so the ranks still active at time t are [0, Active[t]).
/// </summary>
internal static class TimeOrder
{
    /// <summary>The time of loop step <paramref name="step"/> (0-based) of <paramref name="direction"/>, for a batch of <paramref name="steps"/> steps.</summary>
    public static int TimeOf(int steps, int direction, bool backward, int step)
    {
        int forwardStep = backward ? steps - 1 - step : step;
        return direction == 0 ? forwardStep : steps - 1 - forwardStep;
    }

    /// <summary>Whether the loop's remaining steps run from earlier to later times (its step i is time i).</summary>
    public static bool Ascending(int direction, bool backward) => backward == (direction == 1);
}
