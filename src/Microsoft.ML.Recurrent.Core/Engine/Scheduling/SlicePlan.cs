namespace Microsoft.ML.Recurrent.Engine.Scheduling;

/// <summary>
/// The ranks of the current batch cut into slices of about equal work (rows), one time loop per slice and direction, so
/// that the directions times the slices use the pool's threads. A rank's recurrence reads and writes only its own rows,
/// so each slice runs its whole loop on its own thread, and a pass needs one synchronisation, not one per step. Planned
/// once per pass (forward and backward) and kept by the workspace: allocates nothing once its bounds have room.
/// </summary>
internal sealed class SlicePlan
{
    // A slice is worth a thread when its whole loop does at least this many multiply-adds in its recurrent products:
    // waking a worker costs microseconds, once per pass.
    private const long MinWork = 1L << 20;

    private int[] _bounds = [0, 0];

    /// <summary>Slices per direction; 1: one loop per direction over all ranks.</summary>
    public int Count { get; private set; } = 1;

    /// <summary>(Count + 1) rank bounds: slice s holds ranks [Bounds[s], Bounds[s + 1]).</summary>
    public ReadOnlySpan<int> Bounds => _bounds.AsSpan(0, Count + 1);

    /// <summary>
    /// Cuts the ranks into at most MaxThreads / directions slices, of whole tiles of ranks when that keeps them within an
    /// eighth of a share; fewer when the loops' work is too small to be worth a thread each (unless
    /// <see cref="SchedulingOptions.Slicing"/> forces it). A bidirectional layer on two threads gets one slice per direction.
    /// </summary>
    /// <param name="ranks">The batch's lengths by rank.</param>
    /// <param name="rowWork">Multiply-adds of one row's recurrent product (G*H*H).</param>
    /// <param name="directions">Directions of the layer, each with loops of its own.</param>
    /// <param name="options">The workspace's scheduling knobs.</param>
    public void Plan(RankLengths ranks, long rowWork, int directions, SchedulingOptions options)
    {
        int batch = ranks.Ranks;
        long total = ranks.TotalRows;
        int slices = Math.Min(ComputeSettings.MaxThreads / directions, batch / RankLengths.TileRanks);
        if (options.Slicing != true)
        {
            slices = options.Slicing == false ? 1 : (int)Math.Min(slices, total * rowWork / MinWork);
        }
        Count = 1;
        if (slices < 2)
        {
            (_bounds[0], _bounds[1]) = (0, batch);
            return;
        }
        if (_bounds.Length < slices + 1)
        {
            _bounds = new int[slices + 1];
        }
        int count = 0, lastTime = ranks.Steps - 1;
        _bounds[0] = 0;
        for (int slice = 1; slice < slices; slice++)
        {
            // Within an eighth of a slice's share, the bound moves to a whole tile.
            int bound = ranks.BalancedCut(0, batch, 0, lastTime, total * slice / slices, total / (8 * slices));
            if (bound > _bounds[count] && bound < batch)
            {
                _bounds[++count] = bound;
            }
        }
        _bounds[++count] = batch;
        Count = count;
    }
}
