using System.Diagnostics;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// A child process (this program with the argument <c>spin</c>) that keeps one core busy until it is disposed: the
/// "other program" of <c>throughput --contention</c>. It also ends by itself when its standard input closes (the parent
/// died), so it never outlives the benchmark.
/// </summary>
internal sealed class Spinner : IDisposable
{
    private readonly Process _process;

    private Spinner(Process process) => _process = process;

    /// <summary>Starts the spinning child and gives it a moment to be spinning before the caller times anything.</summary>
    public static Spinner Start()
    {
        var start = SelfProcess.StartInfo(["spin"]);
        start.RedirectStandardInput = true;
        var spinner = new Spinner(Process.Start(start)!);
        Thread.Sleep(200);
        return spinner;
    }

    /// <summary>The child's body: spins on one thread until standard input ends.</summary>
    public static int SpinUntilInputCloses()
    {
        var watcher = new Thread(() =>
        {
            Console.In.ReadToEnd();
            Environment.Exit(0);
        }) { IsBackground = true };
        watcher.Start();
        double x = 1;
        while (true)
        {
            x = x * 1.0000001 + 1e-9; // arithmetic, not a pause loop: the core stays busy
            if (x > 1e300)
            {
                x = 1;
            }
        }
    }

    public void Dispose()
    {
        try
        {
            _process.Kill();
            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
    }
}
