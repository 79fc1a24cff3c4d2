namespace Microsoft.ML.Recurrent.Engine.Scheduling;

/// <summary>
/// What one loop step computes, for the <see cref="TimeLoopScheduler"/> that decides who computes it: the rows of some
/// ranks of one direction at one time. The rows of a step are independent, so any contiguous run of active ranks may be
/// computed at once, by any thread, with the same result for each row.
/// </summary>
internal interface ITimeLoopBody
{
    /// <summary>Forward step of ranks [firstRank, endRank) of <paramref name="direction"/> at <paramref name="time"/>, from the input projection of every row.</summary>
    void ForwardStep(int direction, int time, int firstRank, int endRank);

    /// <summary>
    /// Forward loop steps [firstStep, endStep) of ranks [firstRank, endRank) (rows in all, at least 1), projecting their
    /// input first into the block of <paramref name="buffer"/> (one per pool item); each step computes its active ranks.
    /// </summary>
    void ForwardBlock(int direction, int buffer, int firstStep, int endStep, int firstRank, int endRank, int rows);

    /// <summary>Backward step of ranks [firstRank, endRank) of <paramref name="direction"/> at <paramref name="time"/>.</summary>
    void BackwardStep(int direction, int time, int firstRank, int endRank);
}
