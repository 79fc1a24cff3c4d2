namespace Microsoft.ML.Recurrent.Engine.Scheduling;

/// <summary>
/// How the time loops of a pass are scheduled, beyond the plan: knobs that tests set on one workspace
/// (<c>RecurrentWorkspace.Scheduling</c>) to force each path through the scheduler. Results never depend on them; only
/// which thread computes which rows does. Immutable, so one instance may be shared; <see cref="Default"/> plans as usual.
/// </summary>
internal sealed record SchedulingOptions
{
    /// <summary>Plans slices by the work of the batch, projects in blocks when there are two blocks of rows, no thieves.</summary>
    public static SchedulingOptions Default { get; } = new();

    /// <summary>Every loop on the calling thread, one after the other (<see cref="CallingThreadOnly"/>).</summary>
    public static SchedulingOptions CallingThread { get; } = new() { CallingThreadOnly = true };

    /// <summary>
    /// Runs the loops on the calling thread and keeps no weight copies for workers: for passes too small to share (one
    /// scored row is tens of microseconds, about what handing a loop to a worker costs on a busy machine), and for
    /// callers that already run one pass per thread (ML.NET's parallel cursors).
    /// </summary>
    public bool CallingThreadOnly { get; init; }

    /// <summary>Slices whenever the batch allows (true) whatever the work, never (false), or as planned (null).</summary>
    public bool? Slicing { get; init; }

    /// <summary>Forces the forward loops to project their input block by block (true) or in one GEMM (false); null: as planned.</summary>
    public bool? BlockProjection { get; init; }

    /// <summary>
    /// Pool items added to every parallel pass that run no loop of their own and only take over ranks of the running loops,
    /// again and again until every loop is done, so that steals (and steals of stolen ranks) happen. They take any split,
    /// however small, and the first loop waits briefly for the first request. 0 in production.
    /// </summary>
    public int Thieves { get; init; }
}
