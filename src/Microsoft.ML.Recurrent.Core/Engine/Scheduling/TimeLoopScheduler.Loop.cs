
namespace Microsoft.ML.Recurrent.Engine.Scheduling;

internal sealed partial class TimeLoopScheduler
{
    /// <summary>Rows of one block of the input projection when a loop projects as it goes (one A block of the GEMM).</summary>
    public const int ProjectionBlockRows = 128;

    // Below this many multiply-adds left in its recurrent products, a loop keeps its ranks when asked for half of them.
    private const long StealMinWork = 1L << 18;

    /// <summary>
    /// Whether the forward loops project their input a block of rows at a time as they go, each loop its own ranks,
    /// instead of in one GEMM of every row before them: when there are at least two blocks of rows. A block is then
    /// still in the cache of the core that reads it, and the (N, G*H) projection of every row is never stored.
    /// </summary>
    public static bool ProjectsInBlocks(int totalRows, SchedulingOptions options) =>
        options.BlockProjection ?? totalRows >= 2 * ProjectionBlockRows;

    /// <summary>
    /// The time loop of one part (a direction, its ranks, its first loop step): each loop step computes the part's ranks
    /// still active at that step's time (<see cref="TimeOrder"/>). A forward loop that projects in blocks hands the body
    /// its next steps whose rows make about a block, to project into the block of <paramref name="buffer"/> and compute.
    /// Between steps (between blocks) it answers a request for half of its remaining ranks.
    /// </summary>
    private void RunLoop(TimeLoop part, int buffer)
    {
        var body = _body!;
        var ranks = _ranks;
        int steps = ranks.Steps;
        int direction = part.Direction, firstRank = part.Start;
        part.Begin();
        try
        {
            if (_options.Thieves > 0 && buffer == 0 && part.FirstStep == 0)
            {
                part.AwaitRequest(TimeSpan.FromMilliseconds(200));
            }
            for (int step = part.FirstStep; step < steps;)
            {
                if (part.HasRequest(step))
                {
                    part.Answer(step, SplitRemaining(part, step));
                }
                int endRank = part.End;
                if (!_projectInBlocks)
                {
                    int time = TimeOrder.TimeOf(steps, direction, _backward, step);
                    int activeEnd = Math.Min(endRank, ranks.ActiveAt(time));
                    if (activeEnd > firstRank)
                    {
                        if (_backward)
                        {
                            body.BackwardStep(direction, time, firstRank, activeEnd);
                        }
                        else
                        {
                            body.ForwardStep(direction, time, firstRank, activeEnd);
                        }
                    }
                    step++;
                    continue;
                }
                // The next steps whose rows of this part make about a block (at least one step), projected in one product.
                int firstStep = step, rows = 0;
                for (; step < steps; step++)
                {
                    int time = TimeOrder.TimeOf(steps, direction, backward: false, step);
                    int stepRows = Math.Max(0, Math.Min(endRank, ranks.ActiveAt(time)) - firstRank);
                    if (rows > 0 && rows + stepRows > ProjectionBlockRows)
                    {
                        break;
                    }
                    rows += stepRows;
                }
                if (rows > 0)
                {
                    body.ForwardBlock(direction, buffer, firstStep, step, firstRank, endRank, rows);
                }
            }
        }
        finally
        {
            part.Finish();
        }
    }

    /// <summary>
    /// Where to cut the ranks of a part that is asked for half of its work at loop step <paramref name="step"/>: the rank
    /// that halves its remaining rows (on a whole tile of ranks when that stays within an eighth of a half), or the part's
    /// start (a refusal) when the work left is too small to share.
    /// </summary>
    private int SplitRemaining(TimeLoop part, int step)
    {
        int steps = _ranks.Steps;
        // The loop's remaining steps cover times [low, high]: ascending from `step` when the loop runs forward in time.
        bool ascending = TimeOrder.Ascending(part.Direction, _backward);
        int low = ascending ? step : 0, high = ascending ? steps - 1 : steps - 1 - step;
        long total = _ranks.RowsWithin(part.Start, part.End, low, high);
        if (total * _rowWork < 2 * StealMinWork && _options.Thieves == 0) // test thieves take any split
        {
            return part.Start;
        }
        // Within an eighth of a half, the cut moves to a whole tile; the first rank stays with the loop in any case.
        return Math.Max(part.Start + 1, _ranks.BalancedCut(part.Start, part.End, low, high, total / 2, total / 16));
    }
}
