using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Microsoft.ML.Recurrent.Engine;

/// <summary>One parallel operation: <see cref="Invoke"/> is called once for every index of a <see cref="WorkerPool"/> run.</summary>
/// <remarks>
/// Implement it on a class that the caller keeps and reuses (for example one per calling thread), so that a
/// run allocates nothing. Which thread runs which index is not specified: results must not depend on it.
/// </remarks>
internal interface IWorkItem
{
    void Invoke(int index);
}

/// <summary>
/// A small persistent pool of worker threads for the engine's fork-join loops.
/// <c>Run(count, work)</c> calls <c>work.Invoke(i)</c> for every i in [0, count) on up to
/// <see cref="ComputeSettings.MaxThreads"/> threads (the caller is one of them) and returns when all are done.
/// </summary>
/// <remarks>
/// Why not Parallel.For: per-step recurrent products take microseconds, so start-up must cost little and
/// allocate nothing. Workers spin for a short while after each run (the next step usually follows at once),
/// then block; the caller waits for the last index with a <see cref="BoundedSpin"/> (spin, then yield, then sleep), so
/// that on a busy machine no thread keeps a core that a preempted worker needs. Indices are handed out dynamically; a run started while another is in progress (another
/// thread, or a nested call from inside a body) runs inline on the calling thread, which is still correct
/// because callers must make results independent of which thread runs an index.
/// </remarks>
internal static class WorkerPool
{
    // How long an idle worker spins before it blocks: long enough to cover the gap between the
    // products of one recurrent step, short enough not to burn a core when the engine is idle.
    private static readonly long SpinTicks = Stopwatch.Frequency / 5000; // 200 us

    private static readonly Lock RunLock = new();
    private static readonly object SleepGate = new();
    private static readonly Job Current = new();
    private static readonly List<Thread> Workers = [];

    private static Job? _published;
    private static int _generation;
    private static int _sleepers;
    private static int _active;

    [ThreadStatic]
    private static int t_worker;

    /// <summary>1, 2, ... on the pool's worker threads (in the order they were started); 0 on every other thread.</summary>
    public static int CurrentWorker => t_worker;

    /// <summary>Calls <paramref name="body"/>(i) for i in [0, count). A lambda that captures state allocates; prefer the <see cref="IWorkItem"/> form in hot paths.</summary>
    public static void Run(int count, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        RunCore(count, null, body);
    }

    /// <summary>Calls <paramref name="work"/>.Invoke(i) for i in [0, count). Allocation-free once the workers exist.</summary>
    public static void Run(int count, IWorkItem work)
    {
        ArgumentNullException.ThrowIfNull(work);
        RunCore(count, work, null);
    }

    private static void RunCore(int count, IWorkItem? work, Action<int>? body)
    {
        if (count <= 0)
        {
            return;
        }
        int threads = Math.Min(ComputeSettings.MaxThreads, count);
        // The lock is reentrant, so a nested call from the caller's own body must be caught explicitly.
        if (threads <= 1 || RunLock.IsHeldByCurrentThread || !RunLock.TryEnter())
        {
            RunInline(count, work, body);
            return;
        }
        try
        {
            EnsureWorkers(threads - 1);
            Job job = Current;
            job.Reset(count, threads, work, body);
            Interlocked.Exchange(ref _published, job);
            Interlocked.Increment(ref _generation);
            if (Volatile.Read(ref _sleepers) > 0)
            {
                lock (SleepGate)
                {
                    Monitor.PulseAll(SleepGate);
                }
            }
            job.Participate();
            // Bounded spinning (then yields, then sleeps): a worker that was preempted must get a core back.
            var spinner = new BoundedSpin();
            while (Volatile.Read(ref job.Done) < count)
            {
                spinner.SpinOnce();
            }
            // Unpublish, then wait for late workers to leave, so that the job object can be reused.
            Interlocked.Exchange(ref _published, null);
            spinner = new BoundedSpin();
            while (Volatile.Read(ref _active) != 0)
            {
                spinner.SpinOnce();
            }
            Exception? error = job.Error;
            job.Reset(0, 0, null, null);
            if (error is not null)
            {
                ExceptionDispatchInfo.Capture(error).Throw();
            }
        }
        finally
        {
            RunLock.Exit();
        }
    }

    private static void RunInline(int count, IWorkItem? work, Action<int>? body)
    {
        for (int i = 0; i < count; i++)
        {
            if (work is not null)
            {
                work.Invoke(i);
            }
            else
            {
                body!(i);
            }
        }
    }

    private static void EnsureWorkers(int wanted)
    {
        while (Workers.Count < wanted)
        {
            int worker = Workers.Count + 1;
            var thread = new Thread(() => WorkerLoop(worker), 256 * 1024)
            {
                IsBackground = true,
                Name = $"Recurrent worker {worker}",
            };
            Workers.Add(thread);
            thread.Start();
        }
    }

    private static void WorkerLoop(int worker)
    {
        t_worker = worker;
        int seen = Volatile.Read(ref _generation);
        while (true)
        {
            int generation = Volatile.Read(ref _generation);
            if (generation == seen)
            {
                long deadline = Stopwatch.GetTimestamp() + SpinTicks;
                while ((generation = Volatile.Read(ref _generation)) == seen && Stopwatch.GetTimestamp() < deadline)
                {
                    Thread.SpinWait(20);
                }
                if (generation == seen)
                {
                    lock (SleepGate)
                    {
                        Interlocked.Increment(ref _sleepers);
                        while ((generation = Volatile.Read(ref _generation)) == seen)
                        {
                            Monitor.Wait(SleepGate);
                        }
                        Interlocked.Decrement(ref _sleepers);
                    }
                }
            }
            seen = generation;
            Interlocked.Increment(ref _active);
            Job? job = Volatile.Read(ref _published);
            job?.Participate();
            Interlocked.Decrement(ref _active);
        }
    }

    private sealed class Job
    {
        public int Done;
        private int _next;
        private int _count;
        private int _participants;
        private int _maxParticipants;
        private IWorkItem? _work;
        private Action<int>? _body;

        private Exception? _error;

        public Exception? Error => Volatile.Read(ref _error);

        public void Reset(int count, int maxParticipants, IWorkItem? work, Action<int>? body)
        {
            _count = count;
            _maxParticipants = maxParticipants;
            _work = work;
            _body = body;
            _error = null;
            _next = 0;
            _participants = 0;
            Volatile.Write(ref Done, 0);
        }

        public void Participate()
        {
            if (Interlocked.Increment(ref _participants) > _maxParticipants)
            {
                return;
            }
            int count = _count;
            int index;
            while ((index = Interlocked.Increment(ref _next) - 1) < count)
            {
                try
                {
                    if (_work is not null)
                    {
                        _work.Invoke(index);
                    }
                    else
                    {
                        _body!(index);
                    }
                }
                catch (Exception ex)
                {
                    Interlocked.CompareExchange(ref _error, ex, null);
                }
                Interlocked.Increment(ref Done);
            }
        }
    }
}
