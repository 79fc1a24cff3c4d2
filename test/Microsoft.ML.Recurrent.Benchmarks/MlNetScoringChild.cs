using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// The fresh processes of <c>throughput --mlnet</c>: "cold" times <c>new MLContext</c> + <c>Model.Load</c> and then
/// CreatePredictionEngine + the first Predict; "rss" loads the .zip, scores <see cref="MlNetScoring.Rows"/> rows through
/// Transform + a cursor and reports the process's peak resident set (VmHWM of /proc/self/status).
/// </summary>
internal static class MlNetScoringChild
{
    public const string Command = "mlnet-child";

    /// <summary>What a child printed (its one JSON line, parsed).</summary>
    public sealed record Result(string Json, double LoadMs, double FirstMs, double PeakMb);

    /// <summary>Runs this program again as a child doing <paramref name="kind"/> on the model at <paramref name="path"/>.</summary>
    public static Result Spawn(string kind, string path)
    {
        var start = SelfProcess.StartInfo([Command, kind, path]);
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
    public static int Run(string kind, string path)
    {
        string model = Path.GetFileName(path);
        if (kind == "cold")
        {
            long start = Stopwatch.GetTimestamp();
            var ml = new MLContext();
            double context = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            var loaded = ml.Model.Load(path, out _);
            double load = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            using var engine = ml.Model.CreatePredictionEngine<MlNetScoring.SentimentText, MlNetScoring.SentimentScore>(loaded);
            double created = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            var prediction = engine.Predict(new MlNetScoring.SentimentText { Text = "The food was really excellent." });
            double first = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            engine.Predict(new MlNetScoring.SentimentText { Text = "The service was slow and the soup was cold." });
            double second = Stopwatch.GetElapsedTime(start).TotalMilliseconds - first;
            double sinceProcessStart = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"mlnet\": \"cold\", \"model\": \"{model}\", \"mlcontext_ms\": {context:F1}, \"load_ms\": {load:F1}, \"create_engine_ms\": {created - load:F1}, \"first_predict_ms\": {first - created:F1}, \"first_prediction_ms\": {first - load:F1}, \"second_predict_ms\": {second:F2}, \"process_start_to_prediction_ms\": {sinceProcessStart:F0}, \"score\": {prediction.Score:G6}}}"));
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
        Console.Error.WriteLine($"{Command}: unknown kind '{kind}' (cold or rss).");
        return 2;
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
