using System.Diagnostics;

namespace Microsoft.ML.Recurrent.Engine;

/// <summary>
/// How the engine's threads wait for each other: spin for a short while (the other thread is usually a few microseconds
/// from done), then yield the core, and past a millisecond sleep between checks. On a busy machine the thread waited for
/// may be off its core for whole scheduler slices; a waiter that kept spinning would take the very core it needs (the
/// collapse of OpenMP's spin-waiting workers), one that sleeps costs about a millisecond (Linux) once things are already
/// late; on Windows <c>Thread.Sleep(1)</c> lasts a timer tick, up to about 15.6 ms unless the timer resolution was raised.
/// Use a fresh value (<c>new BoundedSpin()</c>) for each wait; call <see cref="SpinOnce"/> once per failed check.
/// </summary>
internal struct BoundedSpin
{
    /// <summary>Spinning only, up to here (50 us).</summary>
    internal static readonly long SpinTicks = Stopwatch.Frequency / 20_000;

    /// <summary>Yielding the core between checks up to here (1 ms); sleeping after.</summary>
    internal static readonly long YieldTicks = Stopwatch.Frequency / 1_000;

    private long _start;

    /// <summary>One wait between two checks of the condition: a spin, a yield or a 1 ms sleep, by the time waited so far.</summary>
    public void SpinOnce()
    {
        long now = Stopwatch.GetTimestamp();
        if (_start == 0)
        {
            _start = now;
        }
        long waited = now - _start;
        if (waited < SpinTicks)
        {
            Thread.SpinWait(20);
        }
        else if (waited < YieldTicks)
        {
            Thread.Yield();
        }
        else
        {
            Thread.Sleep(1);
        }
    }
}
