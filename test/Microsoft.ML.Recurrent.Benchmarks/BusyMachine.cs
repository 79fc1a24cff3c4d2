using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// <c>throughput --contention</c>: the training-step configurations timed on the machine as it is ("quiet") and while a
/// child process spins on one core ("busy"), in alternating rounds, with the per-round ratio busy / quiet. With
/// <c>--compare</c>, torch_rnn_bench.py is run the same way (a whole run quiet, a whole run with the spinner), so that
/// the cost of a busy core to OpenMP's workers shows next to ours. The load average is printed with every figure.
/// </summary>
internal static class BusyMachine
{
    private const int Rounds = 3;

    public static int Run(string configsPath, JsonElement root, int threads, bool quick, string? only, bool compare, TextWriter output)
    {
        ComputeSettings.MaxThreads = threads;
        var rows = new List<Row>();
        var works = ThroughputRunner.LayerWorkloads(root, only).Where(w => w.Mode == "train")
            .Concat(ThroughputRunner.CharLmWorkloads(root, only).Where(w => w.Mode != "infer"));
        foreach (var work in works)
        {
            ThroughputRunner.ReleaseGarbage();
            var body = work.Create();
            ThroughputRunner.MedianMs(body.Once, quick: true); // warm-up: tiered JIT settles before the first round
            var quiet = new List<double>();
            var busy = new List<double>();
            string load = LoadAverage();
            for (int round = 0; round < Rounds; round++)
            {
                quiet.Add(Median(body.Once, quick));
                using (Spinner.Start())
                {
                    busy.Add(Median(body.Once, quick));
                }
            }
            var row = new Row(work.Cell, work.Config, Median(quiet), Median(busy), Median(quiet.Zip(busy, (q, b) => b / q).ToList()),
                quiet.Zip(busy, (q, b) => b / q).Max(), load);
            rows.Add(row);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"cell\": \"{row.Cell}\", \"config\": \"{row.Config}\", \"mode\": \"{work.Mode}\", \"quiet_ms\": {row.Quiet:F3}, \"busy_ms\": {row.Busy:F3}, \"ratio\": {row.Ratio:F2}, \"worst_round_ratio\": {row.Worst:F2}, \"threads\": {threads}, \"load\": \"{load}\"}}"));
            output.Flush();
        }
        var torch = compare ? TorchRuns(configsPath, threads, quick, only, output) : null;
        output.WriteLine();
        output.WriteLine("| cell | config | ours quiet ms | ours busy ms | ours busy/quiet (median, worst of 3 rounds) | PyTorch quiet ms | PyTorch busy ms | PyTorch busy/quiet | load average at start |");
        output.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in rows)
        {
            var t = torch?.GetValueOrDefault($"{r.Cell}/{r.Config}");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Cell} | {r.Config} | {r.Quiet:F2} | {r.Busy:F2} | {r.Ratio:F2}x ({r.Worst:F2}x) | {Ms(t?.Quiet)} | {Ms(t?.Busy)} | {(t is { } u ? (u.Busy / u.Quiet).ToString("F2", CultureInfo.InvariantCulture) + "x" : "-")} | {r.Load} |"));
        }
        return 0;
    }

    private sealed record Row(string Cell, string Config, double Quiet, double Busy, double Ratio, double Worst, string Load);

    private static string Ms(double? ms) => ms is double v ? v.ToString("F2", CultureInfo.InvariantCulture) : "-";

    /// <summary>The median of at least 3 calls (5 without --quick) and about 0.3 s (1 s); no warm-up (the caller did it).</summary>
    private static double Median(Action body, bool quick)
    {
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        int reps = quick ? 3 : 5;
        double budget = quick ? 300 : 1000;
        while (times.Count < reps || (total.Elapsed.TotalMilliseconds < budget && times.Count < 100))
        {
            long start = Stopwatch.GetTimestamp();
            body();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return Median(times);
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1] + values[values.Count / 2]) / 2;
    }

    /// <summary>"1.23 4.56 7.89" from /proc/loadavg, or "?" where there is none.</summary>
    internal static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    /// <summary>
    /// PyTorch's train times by "cell/config" (charlm: "charlm/charlm"): <see cref="Rounds"/> pairs of whole script runs
    /// (one with --quick), quiet then with the spinner, and the medians of each. Null when the script cannot run.
    /// </summary>
    private static Dictionary<string, (double Quiet, double Busy)>? TorchRuns(string configsPath, int threads, bool quick, string? only, TextWriter output)
    {
        const string python = "/usr/bin/python3";
        string? script = TorchComparison.FindRepositoryScript();
        if (script is null || !File.Exists(python))
        {
            output.WriteLine($"--compare: {(script is null ? "test/Shared/torch_rnn_bench.py" : python)} not found.");
            return null;
        }
        var quiet = new Dictionary<string, List<double>>();
        var busy = new Dictionary<string, List<double>>();
        int pairs = quick ? 1 : Rounds;
        for (int pair = 0; pair < pairs; pair++)
        {
            foreach (bool spin in new[] { false, true })
            {
                string load = LoadAverage();
                using var spinner = spin ? Spinner.Start() : null;
                var times = TorchRun(python, script, threads, quick, only, output);
                if (times is null)
                {
                    return null;
                }
                output.WriteLine($"--compare: PyTorch {(spin ? "busy" : "quiet")} run {pair + 1} (OMP_WAIT_POLICY={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "PASSIVE, the script's default"}; load at start {load}): "
                    + string.Join(", ", times.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Key} {t.Value:F1} ms"))));
                foreach (var (key, ms) in times)
                {
                    var list = spin ? busy : quiet;
                    if (!list.TryGetValue(key, out var values))
                    {
                        list[key] = values = [];
                    }
                    values.Add(ms);
                }
            }
        }
        return quiet.Where(q => busy.ContainsKey(q.Key)).ToDictionary(q => q.Key, q => (Median(q.Value), Median(busy[q.Key])));
    }

    private static Dictionary<string, double>? TorchRun(string python, string script, int threads, bool quick, string? only, TextWriter output)
    {
        string json = Path.Combine(Path.GetTempPath(), $"torch-busy-{Guid.NewGuid():N}.json");
        var start = new ProcessStartInfo(python)
        {
            ArgumentList = { script, "--threads", threads.ToString(CultureInfo.InvariantCulture), "--json", json, "--no-peak" },
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        if (quick)
        {
            start.ArgumentList.Add("--quick");
        }
        if (only is not null)
        {
            start.ArgumentList.Add("--only");
            start.ArgumentList.Add(only);
        }
        try
        {
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0 || !File.Exists(json))
            {
                output.WriteLine($"--compare: the PyTorch script failed (exit {process.ExitCode}):\n{stderr.Result}");
                return null;
            }
            using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
            var times = new Dictionary<string, double>();
            foreach (var layer in doc.RootElement.GetProperty("layers").EnumerateObject())
            {
                times[layer.Name] = layer.Value.GetProperty("train").GetProperty("ms").GetDouble();
            }
            if (doc.RootElement.GetProperty("charlm") is { ValueKind: JsonValueKind.Object } lm)
            {
                times["charlm/charlm"] = lm.GetProperty("train_step_adam").GetProperty("ms").GetDouble();
            }
            return times;
        }
        finally
        {
            File.Delete(json);
        }
    }
}
