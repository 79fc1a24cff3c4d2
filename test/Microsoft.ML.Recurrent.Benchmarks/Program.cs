using System.CommandLine;
using BenchmarkDotNet.Running;

namespace Microsoft.ML.Recurrent.Benchmarks;

internal static class Program
{
    private static int Main(string[] args)
    {
        if (args is ["spin"])
        {
            return Spinner.SpinUntilInputCloses(); // the busy core of `throughput --contention`
        }
        if (args.Length is 3 or 4 && args[0] == MlNetScoringChild.Command)
        {
            return MlNetScoringChild.Run(args[1], args[2], args.Length == 4 ? args[3] : null);
        }
        if (args.Length == 0 || args[0] != "throughput")
        {
            // Everything else goes to BenchmarkDotNet's kernel benchmarks (e.g. --filter '*Gemm*').
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
            return 0;
        }
        var configs = new Option<FileInfo?>("--configs") { Description = "configs.json to run (default: ../shared/bench/configs.json found above the working directory)" };
        var threads = new Option<int>("--threads") { Description = "engine threads (ComputeSettings.MaxThreads)", DefaultValueFactory = _ => 2 };
        var quick = new Option<bool>("--quick") { Description = "shorter timing loops" };
        var only = new Option<string?>("--only") { Description = "run only configurations whose name contains this text" };
        var compare = new Option<bool>("--compare") { Description = "then run test/Shared/torch_rnn_bench.py (or the one beside configs.json) with /usr/bin/python3 and print ours, PyTorch's and the ratio" };
        var scaling = new Option<bool>("--scaling") { Description = "time every configuration on 1 thread and on --threads in alternation and print both and their ratio" };
        var peakRss = new Option<bool>("--peak-rss") { Description = "add each configuration's own peak RSS (Linux: resets the process's high-water mark before each, so /usr/bin/time then reports only the last one's)" };
        var contention = new Option<bool>("--contention") { Description = "time the training-step configurations on a quiet machine and while a child process spins on one core, in alternation; with --compare PyTorch too" };
        var mlnet = new Option<bool>("--mlnet") { Description = "instead: score the default sentiment .zip (one model, EnsembleSize 1) and stock FeaturizeText + AveragedPerceptron through ML.NET (Transform, PredictionEngine), cold start and peak RSS" };
        var mlnetModel = new Option<FileInfo?>("--mlnet-model") { Description = "with --mlnet: score this saved recurrent binary text classifier (.zip) instead of training the default one" };
        var mlnetKeep = new Option<DirectoryInfo?>("--mlnet-keep") { Description = "with --mlnet: keep the two saved .zip files (sentiment.zip, stock.zip) in this folder" };
        var mlnetReadyToRun = new Option<FileInfo?>("--mlnet-r2r")
        {
            Description = "with --mlnet: also time cold start in children of this ReadyToRun publish of the benchmarks (docs/mlnet.md, Deploying for a fast start)",
        };
        var width = new Option<int?>("--width")
        {
            Description = "run in a child process limited to 512-, 256- (AVX2 + FMA) or 128-bit vectors (Vector128 + FMA, the shape of Arm NEON) with .NET's own switches; --compare then runs PyTorch at the same capability",
        };
        width.AcceptOnlyFromAmong("512", "256", "128");
        var command = new System.CommandLine.Command("throughput", "Runs the standard layer configurations and prints one JSON line per configuration and mode.")
        {
            configs, threads, quick, only, compare, scaling, peakRss, contention, width, mlnet, mlnetModel, mlnetKeep, mlnetReadyToRun,
        };
        command.SetAction(result =>
        {
            int? w = result.GetValue(width);
            if (w is int forced && !VectorWidthSwitch.IsChildFor(forced))
            {
                return VectorWidthSwitch.RunChild(forced, args);
            }
            if (w is int inChild)
            {
                Console.WriteLine(VectorWidthSwitch.Describe(inChild, out string? error));
                if (error is not null)
                {
                    Console.Error.WriteLine(error);
                    return 4;
                }
            }
            if (result.GetValue(mlnet))
            {
                return MlNetScoring.Run(
                    result.GetValue(threads), result.GetValue(quick), result.GetValue(mlnetModel), result.GetValue(mlnetKeep), result.GetValue(mlnetReadyToRun), Console.Out);
            }
            return ThroughputRunner.Run(
                result.GetValue(configs), result.GetValue(threads), result.GetValue(quick), result.GetValue(only), result.GetValue(compare), result.GetValue(scaling),
                result.GetValue(peakRss), result.GetValue(contention), w, Console.Out);
        });
        var root = new RootCommand("Microsoft.ML.Recurrent benchmarks") { command };
        return root.Parse(args).Invoke();
    }
}
