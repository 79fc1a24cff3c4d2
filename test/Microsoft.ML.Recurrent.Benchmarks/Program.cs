using System.CommandLine;
using BenchmarkDotNet.Running;

namespace Microsoft.ML.Recurrent.Benchmarks;

internal static class Program
{
    private static int Main(string[] args)
    {
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
        var command = new Command("throughput", "Runs the standard layer configurations and prints one JSON line per configuration and mode.")
        {
            configs, threads, quick, only, compare, scaling,
        };
        command.SetAction(result => ThroughputRunner.Run(
            result.GetValue(configs), result.GetValue(threads), result.GetValue(quick), result.GetValue(only), result.GetValue(compare), result.GetValue(scaling), Console.Out));
        var root = new RootCommand("Microsoft.ML.Recurrent benchmarks") { command };
        return root.Parse(args).Invoke();
    }
}
