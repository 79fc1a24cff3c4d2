namespace Microsoft.ML.Recurrent.Engine.Scheduling;

/// <summary>
/// The sequence lengths of a packed batch by rank (longest first), as the scheduler sees a batch: rank r has one row at
/// each time in [0, LengthOf(r)), and the ranks active at time t are [0, ActiveAt(t)). Work is counted in rows, because
/// every row costs the same recurrent product. A view over arrays the batch's layout owns: it allocates nothing.
/// </summary>
internal readonly struct RankLengths
{
    // A cut lands on a whole register tile of ranks (8 rows at Vector512) when that keeps the parts about equal.
    public const int TileRanks = 8;

    private readonly int[] _lengthByRank; // (Ranks) descending
    private readonly int[] _activeAt;     // (Steps)

    public RankLengths(int[] lengthByRank, int[] activeAt, int ranks, int steps, int totalRows) =>
        (_lengthByRank, _activeAt, Ranks, Steps, TotalRows) = (lengthByRank, activeAt, ranks, steps, totalRows);

    /// <summary>Sequences in the batch (B).</summary>
    public int Ranks { get; }

    /// <summary>Steps of the longest sequence: every loop runs this many loop steps.</summary>
    public int Steps { get; }

    /// <summary>Rows in all (N, the sum of the lengths).</summary>
    public int TotalRows { get; }

    public int LengthOf(int rank) => _lengthByRank[rank];

    public int ActiveAt(int time) => _activeAt[time];

    /// <summary>Rows of <paramref name="rank"/> at times [low, high].</summary>
    public int RowsWithin(int rank, int low, int high) => Math.Max(0, Math.Min(_lengthByRank[rank], high + 1) - low);

    /// <summary>Rows of ranks [start, end) at times [low, high].</summary>
    public long RowsWithin(int start, int end, int low, int high)
    {
        long sum = 0;
        for (int rank = start; rank < end; rank++)
        {
            sum += RowsWithin(rank, low, high);
        }
        return sum;
    }

    /// <summary>
    /// The rank <c>cut</c> in [start, end] whose ranks [start, cut) have, at times [low, high], the number of rows nearest
    /// to <paramref name="target"/>; moved to a whole tile of ranks from start when that is within
    /// <paramref name="tolerance"/> rows of the target. Plans slices and halves a loop's remaining work.
    /// </summary>
    public int BalancedCut(int start, int end, int low, int high, long target, long tolerance)
    {
        long prefix = 0; // rows of ranks [start, cut)
        int cut = start;
        while (cut < end && prefix + RowsWithin(cut, low, high) <= target)
        {
            prefix += RowsWithin(cut++, low, high);
        }
        if (cut < end && target - prefix > prefix + RowsWithin(cut, low, high) - target)
        {
            cut++; // the next rank overshoots by less than this one falls short
        }
        int tiled = start + (cut - start + TileRanks / 2) / TileRanks * TileRanks;
        if (tiled <= end && Math.Abs(RowsWithin(start, tiled, low, high) - target) <= tolerance)
        {
            cut = tiled;
        }
        return cut;
    }
}
