using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Text.Json;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// The fresh processes of <c>throughput --mlnet</c>: "cold" times <c>new MLContext</c> + <c>Model.Load</c> and then
/// CreatePredictionEngine + the first Predict, with the JIT's share of each phase (<see cref="JitInfo"/>); "warm" first
/// loads and predicts with another model (so ML.NET, and the plugin when that model is ours, are already compiled) and
/// then times the same steps for the model at the path; "rss" loads the .zip, scores <see cref="MlNetScoring.Rows"/> rows
/// through Transform + a cursor and reports the process's peak resident set (VmHWM of /proc/self/status).
/// </summary>
internal static class MlNetScoringChild
{
    public const string Command = "mlnet-child";

    /// <summary>What a child printed (its one JSON line, parsed).</summary>
    public sealed record Result(string Json, double LoadMs, double FirstMs, double PeakMb);

    /// <summary>
    /// Runs this program (or the program at <paramref name="host"/>, e.g. a ReadyToRun publish of it) again as a child
    /// doing <paramref name="kind"/> on the model at <paramref name="path"/> (after <paramref name="warmUp"/>'s, for "warm").
    /// </summary>
    public static Result Spawn(string kind, string path, string? warmUp = null, string? host = null)
    {
        var start = SelfProcess.StartInfo(warmUp is null ? [Command, kind, path] : [Command, kind, path, warmUp], host);
        start.RedirectStandardOutput = true;
        using var process = Process.Start(start)!;
        string json = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The {kind} child process failed with exit code {process.ExitCode}: {json}");
        }
        using var doc = JsonDocument.Parse(json);
        double Get(string name) => doc.RootElement.TryGetProperty(name, out var v) ? v.GetDouble() : double.NaN;
        return new Result(json, Get("load_ms"), Get("first_prediction_ms"), Get("peak_rss_mb"));
    }

    /// <summary>The child's side: does one kind of measurement and prints one JSON line.</summary>
    public static int Run(string kind, string path, string? warmUp)
    {
        string model = Path.GetFileName(path);
        if (kind == "cold" || (kind == "warm" && warmUp is not null))
        {
            string prefix = "";
            if (warmUp is not null)
            {
                ColdStart(warmUp, out _);
                prefix = $"\"warmed_by\": \"{Path.GetFileName(warmUp)}\", ";
            }
            string timings = ColdStart(path, out float score);
            bool r2r = typeof(MLContext).Assembly.Location is { Length: > 0 } && IsReadyToRun();
            double sinceProcessStart = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"mlnet\": \"{kind}\", \"model\": \"{model}\", {prefix}\"ready_to_run\": {(r2r ? "true" : "false")}, {timings}, \"process_start_to_prediction_ms\": {sinceProcessStart:F0}, \"score\": {score:G6}}}"));
            return 0;
        }
        if (kind == "rss")
        {
            var ml = new MLContext();
            var loaded = ml.Model.Load(path, out _);
            var sentences = MlNetScoring.Sentences(out _);
            var rows = Enumerable.Range(0, MlNetScoring.Rows).Select(i => sentences[i % sentences.Count]);
            double sum = MlNetScoring.TransformPass(loaded, ml.Data.LoadFromEnumerable(rows));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"mlnet\": \"rss\", \"model\": \"{model}\", \"rows\": {MlNetScoring.Rows}, \"peak_rss_mb\": {PeakRssMb():F1}, \"checksum\": {sum:G6}}}"));
            return 0;
        }
        Console.Error.WriteLine($"{Command}: unknown kind '{kind}' (cold, warm with a second model, or rss).");
        return 2;
    }

    // new MLContext, Model.Load, CreatePredictionEngine, the first and second Predict: milliseconds of each and the JIT's
    // share (compilation time and methods compiled on every thread), as JSON members.
    private static string ColdStart(string path, out float score)
    {
        var phases = new List<(string Name, double Ms, double JitMs, long Methods)>();
        long start = Stopwatch.GetTimestamp();
        void Mark(string name)
        {
            double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            double jit = JitInfo.GetCompilationTime(currentThread: false).TotalMilliseconds;
            long methods = JitInfo.GetCompiledMethodCount(currentThread: false);
            phases.Add((name, ms, jit, methods));
        }
        Mark("start");
        var ml = new MLContext();
        Mark("mlcontext");
        var loaded = ml.Model.Load(path, out _);
        Mark("load");
        using var engine = ml.Model.CreatePredictionEngine<MlNetScoring.SentimentText, MlNetScoring.SentimentScore>(loaded);
        Mark("create_engine");
        score = engine.Predict(new MlNetScoring.SentimentText { Text = "The food was really excellent." }).Score;
        Mark("first_predict");
        engine.Predict(new MlNetScoring.SentimentText { Text = "The service was slow and the soup was cold." });
        Mark("second_predict");
        var parts = new List<string>();
        for (int i = 1; i < phases.Count; i++)
        {
            var (name, ms, jit, methods) = phases[i];
            var previous = phases[i - 1];
            parts.Add(string.Create(CultureInfo.InvariantCulture,
                $"\"{name}_ms\": {ms - previous.Ms:F1}, \"{name}_jit_ms\": {jit - previous.JitMs:F1}, \"{name}_jitted\": {methods - previous.Methods}"));
        }
        double load = phases[2].Ms - phases[0].Ms, first = phases[4].Ms - phases[2].Ms;
        parts.Add(string.Create(CultureInfo.InvariantCulture, $"\"load_ms\": {load:F1}, \"first_prediction_ms\": {first:F1}"));
        return string.Join(", ", parts);
    }

    // Whether ML.NET's assembly carries precompiled (ReadyToRun) code: a ReadyToRun image has a managed native header.
    private static bool IsReadyToRun()
    {
        using var stream = File.OpenRead(typeof(MLContext).Assembly.Location);
        using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
        return pe.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0;
    }

    // VmHWM: the peak resident set size of this process, in MB (Linux); NaN elsewhere.
    private static double PeakRssMb()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
        {
            return double.NaN;
        }
        string? line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? double.NaN : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }
}
