namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// A time loop on one thread handing the second half of a step's rows to a helper thread, without a pool run per
/// step. The loop posts the rows under a new ticket and computes its own half; whoever claims the ticket first
/// computes the posted half — the helper, or the loop itself once its own half is done (so a descheduled helper costs
/// no wait) — and the helper answers the ticket when it has. Rows are independent, so the results do not depend on
/// which thread computes which half.
/// </summary>
internal abstract class LayerStepHandOff
{
    private int _posted;
    private int _claimed;
    private int _answered;
    private int _step;
    private int _start;
    private int _end;
    private volatile bool _failed;

    /// <summary>Whether either thread threw: the other stops waiting, and the pool rethrows the exception.</summary>
    protected bool Failed => _failed;

    /// <summary>Rows [start, end) of step t.</summary>
    protected abstract void StepRows(int step, int start, int end);

    protected void ResetHandOff()
    {
        (_posted, _claimed, _answered) = (0, 0, 0);
        _failed = false;
    }

    protected void MarkFailed() => _failed = true;

    /// <summary>Loop side: step t's rows [0, per) here and [per, active) by whoever claims them; false if the helper failed.</summary>
    protected bool SplitStep(int step, int per, int active)
    {
        (_step, _start, _end) = (step, per, active);
        int ticket = _posted + 1;
        Volatile.Write(ref _posted, ticket);
        StepRows(step, 0, per);
        if (Claim(ticket))
        {
            StepRows(step, per, active);
            return true;
        }
        var spinner = new SpinWait();
        while (Volatile.Read(ref _answered) != ticket)
        {
            if (_failed)
            {
                return false;
            }
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        return true;
    }

    /// <summary>Helper side: serves a ticket posted since <paramref name="seen"/> if the loop has not taken it back; false when none is new.</summary>
    protected bool TryServe(ref int seen)
    {
        int ticket = Volatile.Read(ref _posted);
        if (ticket == seen)
        {
            return false;
        }
        seen = ticket;
        if (Claim(ticket))
        {
            StepRows(_step, _start, _end);
            Volatile.Write(ref _answered, ticket);
        }
        return true;
    }

    private bool Claim(int ticket) => Interlocked.CompareExchange(ref _claimed, ticket, ticket - 1) == ticket - 1;
}
