namespace Microsoft.ML.Recurrent.Engine.Scheduling;

/// <summary>
/// One running time loop: ranks [<see cref="Start"/>, <see cref="End"/>) of one direction from loop step
/// <see cref="FirstStep"/> on. A thread whose own loops are done may ask it for the second half of its remaining ranks
/// (<see cref="TryTake"/>); the loop answers at its next step boundary (<see cref="Answer"/>), or refuses when it ends, so
/// a core that falls behind (busy machine, slower core) hands work to one that is idle. Each rank's arithmetic is the
/// same whoever computes it, so results do not depend on it. Requests are answered only between steps, so a rank's rows of
/// one step are always computed together by one thread. Kept by the scheduler and reused: allocates nothing.
/// </summary>
internal sealed class TimeLoop
{
    private const int Running = 0;
    private const int Requested = 1;
    private const int Finished = 2;
    private const int NotStarted = 3;

    private int _state = NotStarted;
    private int _answer;         // for the current request: 0 pending, 1 granted, 2 refused
    private int _grantStart;
    private int _grantEnd;
    private int _grantStep;

    public int Direction { get; private set; }

    public int Start { get; private set; }

    /// <summary>One past the last rank; written by the owner only (it shrinks when part of the loop is given away).</summary>
    public int End { get; private set; }

    public int FirstStep { get; private set; }

    /// <summary>The loop step the owner is about to run: read by other threads to choose whom to ask.</summary>
    public int NextStep => Volatile.Read(ref _nextStep);

    private int _nextStep;

    public bool IsRunning => Volatile.Read(ref _state) == Running;

    public bool IsFinished => Volatile.Read(ref _state) == Finished;

    /// <summary>Sets up the next loop of this part's thread; the part must be finished (or new): nobody can ask it now.</summary>
    public void Prepare(int direction, int start, int end, int firstStep)
    {
        (Direction, Start, End, FirstStep) = (direction, start, end, firstStep);
        Volatile.Write(ref _nextStep, firstStep);
        Volatile.Write(ref _state, NotStarted);
    }

    /// <summary>Owner: the loop starts; from now on others may ask.</summary>
    public void Begin() => Volatile.Write(ref _state, Running);

    /// <summary>Owner, before loop step <paramref name="step"/>: whether another thread waits for an answer (<see cref="Answer"/>).</summary>
    public bool HasRequest(int step)
    {
        Volatile.Write(ref _nextStep, step);
        return Volatile.Read(ref _state) == Requested;
    }

    /// <summary>Owner, with test thieves only (<see cref="SchedulingOptions.Thieves"/>): waits (up to <paramref name="limit"/>) for a thief to ask, so that a steal happens however late the thief's thread starts.</summary>
    public void AwaitRequest(TimeSpan limit) => SpinWait.SpinUntil(() => Volatile.Read(ref _state) == Requested, limit);

    /// <summary>
    /// Owner, at loop step <paramref name="step"/> with a request pending: gives away ranks [cut, End) from this step on
    /// (then <see cref="End"/> shrinks), or refuses when cut is not strictly inside the ranks.
    /// </summary>
    public void Answer(int step, int cut)
    {
        bool granted = cut > Start && cut < End;
        if (granted)
        {
            (_grantStart, _grantEnd, _grantStep) = (cut, End, step);
            End = cut;
        }
        Volatile.Write(ref _answer, granted ? 1 : 2);
        Volatile.Write(ref _state, Running);
    }

    /// <summary>Owner, when the loop ends (also by an exception): refuses a pending request; nobody can ask any more.</summary>
    public void Finish()
    {
        int prior = Interlocked.CompareExchange(ref _state, Finished, Running);
        if (prior != Running)
        {
            if (prior == Requested)
            {
                Volatile.Write(ref _answer, 2);
            }
            Volatile.Write(ref _state, Finished);
        }
    }

    /// <summary>
    /// Another thread, holding the pass's steal lock (one request at a time): asks the running loop for the second half
    /// of its remaining ranks and waits for the answer (at most one step of the loop); true with the ranks [start, end)
    /// of <paramref name="direction"/> from loop step <paramref name="step"/> on, false when refused or not running.
    /// </summary>
    public bool TryTake(out int direction, out int start, out int end, out int step)
    {
        (direction, start, end, step) = (Direction, 0, 0, 0);
        Volatile.Write(ref _answer, 0);
        if (Interlocked.CompareExchange(ref _state, Requested, Running) != Running)
        {
            return false;
        }
        var spinner = new BoundedSpin(); // the owner may be preempted: spin briefly, then yield, then sleep
        int answer;
        while ((answer = Volatile.Read(ref _answer)) == 0)
        {
            spinner.SpinOnce();
        }
        if (answer != 1)
        {
            return false;
        }
        (start, end, step) = (_grantStart, _grantEnd, _grantStep);
        return true;
    }
}
