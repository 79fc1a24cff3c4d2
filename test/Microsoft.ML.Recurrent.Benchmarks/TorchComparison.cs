using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// Runs torch_rnn_bench.py (the repository's copy, test/Shared, else the one beside configs.json) right after our own
/// figures (the same sitting) and prints, per configuration and mode, our milliseconds, PyTorch's and the speed-up.
/// With a forced vector width, PyTorch runs at the same capability (<see cref="VectorWidthSwitch.TorchEnvironment"/>).
/// </summary>
internal static class TorchComparison
{
    public static int Run(string configsPath, int threads, bool quick, string? only, int? width, List<(string Cell, string Config, string Mode, double Ms)> ours,
        List<(string Name, double Gflops)> gemm, TextWriter output)
    {
        string script = FindRepositoryScript() ?? Path.Combine(Path.GetDirectoryName(configsPath)!, "torch_rnn_bench.py");
        const string python = "/usr/bin/python3";
        if (!File.Exists(script) || !File.Exists(python))
        {
            output.WriteLine($"--compare: {(File.Exists(script) ? python : script)} not found; install PyTorch with 'apt-get install -y python3-torch libopenblas0-openmp'.");
            return 3;
        }
        string json = Path.Combine(Path.GetTempPath(), $"torch-bench-{Guid.NewGuid():N}.json");
        var start = new ProcessStartInfo(python)
        {
            ArgumentList = { script, "--threads", threads.ToString(CultureInfo.InvariantCulture), "--json", json },
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        if (quick)
        {
            start.ArgumentList.Add("--quick");
        }
        if (only is not null)
        {
            start.ArgumentList.Add("--only"); // the repository's copy of the script knows it
            start.ArgumentList.Add(only);
        }
        // Our own .NET switches mean nothing to Python; PyTorch gets its own for the same width.
        var torchEnvironment = width is int w ? VectorWidthSwitch.TorchEnvironment(w) : [];
        foreach (var (name, value) in torchEnvironment)
        {
            start.Environment[name] = value;
        }
        output.WriteLine($"--compare: running {string.Join(' ', torchEnvironment.Select(e => $"{e.Name}={e.Value} "))}{python} {string.Join(' ', start.ArgumentList)} ...");
        try
        {
            using var process = Process.Start(start)!;
            string stderr = process.StandardError.ReadToEndAsync().Result;
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0 || !File.Exists(json))
            {
                output.WriteLine($"--compare: the PyTorch script failed (exit {process.ExitCode}); is python3-torch installed?\n{stderr}");
                return 3;
            }
            output.WriteLine(stdout.Split('\n').FirstOrDefault() ?? "");
            using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
            output.WriteLine();
            output.WriteLine("| cell | config | mode | ours ms | PyTorch ms | speed-up |");
            output.WriteLine("|---|---|---|---:|---:|---:|");
            foreach (var (cell, config, mode, ms) in ours)
            {
                double? torch = TorchMs(doc.RootElement, cell, config, mode);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {cell} | {config} | {mode} | {ms:F2} | {(torch is double t ? t.ToString("F2", CultureInfo.InvariantCulture) : "-")} | {(torch is double u ? (u / ms).ToString("F2", CultureInfo.InvariantCulture) + "x" : "-")} |"));
            }
            if (gemm.Count > 0 && doc.RootElement.TryGetProperty("gemm", out var blas))
            {
                output.WriteLine();
                output.WriteLine("| sgemm shape | ours GFLOP/s | OpenBLAS GFLOP/s (median) | ratio |");
                output.WriteLine("|---|---:|---:|---:|");
                foreach (var (name, gflops) in gemm)
                {
                    // A fresh run writes "gflops_per_s" (its median); torch_baseline.json names it "gflops_per_s_median".
                    double? theirs = blas.TryGetProperty(name, out var g)
                        && (g.TryGetProperty("gflops_per_s", out var v) || g.TryGetProperty("gflops_per_s_median", out v)) ? v.GetDouble() : null;
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {name} | {gflops:F1} | {(theirs is double t ? t.ToString("F1", CultureInfo.InvariantCulture) : "-")} | {(theirs is double u ? (gflops / u * 100).ToString("F0", CultureInfo.InvariantCulture) + "%" : "-")} |"));
                }
            }
            return 0;
        }
        finally
        {
            File.Delete(json);
        }
    }

    // test/Shared/torch_rnn_bench.py above the working directory or the program's own directory.
    internal static string? FindRepositoryScript()
    {
        foreach (string from in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(from); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "test", "Shared", "torch_rnn_bench.py");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        return null;
    }

    private static double? TorchMs(JsonElement root, string cell, string config, string mode)
    {
        if (cell is "charlm" or "seq2seq")
        {
            return root.TryGetProperty(cell, out var lm) && lm.ValueKind == JsonValueKind.Object && lm.TryGetProperty(mode, out var m)
                ? m.GetProperty("ms").GetDouble() : null;
        }
        return root.GetProperty("layers").TryGetProperty($"{cell}/{config}", out var layer) && layer.TryGetProperty(mode, out var r)
            ? r.GetProperty("ms").GetDouble() : null;
    }
}
