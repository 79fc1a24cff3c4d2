using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// Times the standard configurations of ../shared/bench/configs.json with the same FLOP model and timing
/// rules as torch_rnn_bench.py: float32, batch-first, h0 = 0; train = forward + backward of one recurrent
/// module (upstream gradient on output, input gradient computed, no optimizer); infer = forward only.
/// Prints {"cell","config","mode","ms","tokens_per_s","gflops"} per line (the median of the timed repeats).
/// </summary>
internal static class ThroughputRunner
{
    public static int Run(FileInfo? configsFile, int threads, bool quick, string? only, bool compare, TextWriter output)
    {
        var ours = new List<(string Cell, string Config, string Mode, double Ms)>();
        var gemm = new List<(string Name, double Gflops)>();
        string? path = configsFile?.FullName ?? FindConfigs();
        if (path is null || !File.Exists(path))
        {
            Console.Error.WriteLine("configs.json not found: pass --configs PATH (the standard one is ../shared/bench/configs.json).");
            return 2;
        }
        ComputeSettings.MaxThreads = threads;
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;
        string[] cells = root.GetProperty("cells").EnumerateArray().Select(e => e.GetString()!).ToArray();
        string[] modes = root.GetProperty("modes").EnumerateArray().Select(e => e.GetString()!).ToArray();
        foreach (string cell in cells)
        {
            foreach (var config in root.GetProperty("layers").EnumerateArray())
            {
                string name = config.GetProperty("name").GetString()!;
                if (only is not null && !name.Contains(only, StringComparison.Ordinal))
                {
                    continue;
                }
                foreach (string mode in modes)
                {
                    var result = TimeLayer(cell, config, mode == "train", quick);
                    ours.Add((cell, name, mode, result.Ms));
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{{\"cell\": \"{cell}\", \"config\": \"{name}\", \"mode\": \"{mode}\", \"ms\": {result.Ms:F3}, \"tokens_per_s\": {result.TokensPerSecond:F1}, \"gflops\": {result.Gflops:F2}, \"threads\": {threads}}}"));
                    output.Flush();
                }
            }
        }
        if (only is null || "gemm".Contains(only, StringComparison.Ordinal))
        {
            gemm = GemmThroughput.Run(threads, quick, output);
        }
        if (root.TryGetProperty("charlm", out var charlm) && (only is null || "charlm".Contains(only, StringComparison.Ordinal)))
        {
            foreach (bool train in new[] { true, false })
            {
                var result = TimeCharLm(charlm, train, quick);
                ours.Add(("charlm", "charlm", train ? "train_step_adam" : "infer", result.Ms));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"cell\": \"charlm\", \"config\": \"charlm\", \"mode\": \"{(train ? "train_step_adam" : "infer")}\", \"ms\": {result.Ms:F3}, \"tokens_per_s\": {result.TokensPerSecond:F1}, \"gflops\": {result.Gflops:F2}, \"threads\": {threads}}}"));
                output.Flush();
            }
        }
        return compare ? TorchComparison.Run(path, threads, quick, ours, gemm, output) : 0;
    }

    // Embedding(V,E) -> L-layer LSTM(H) -> Linear(H,V), cross-entropy over every step; train = zero_grad + forward + backward + Adam step.
    private static (double Ms, double TokensPerSecond, double Gflops) TimeCharLm(JsonElement config, bool train, bool quick)
    {
        int vocab = config.GetProperty("vocab").GetInt32(), embed = config.GetProperty("embed").GetInt32();
        int hidden = config.GetProperty("hidden").GetInt32(), layers = config.GetProperty("layers").GetInt32();
        int batch = config.GetProperty("batch").GetInt32(), seq = config.GetProperty("seq").GetInt32();
        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.LanguageModel, VocabularySize = vocab, EmbeddingSize = embed, HiddenSize = hidden, NumLayers = layers,
            Cell = RecurrentCellKind.Lstm,
        }, seed: 1);
        var optimizer = new AdamOptimizer(model.Parameters.Count, new AdamOptions { LearningRate = config.GetProperty("lr").GetDouble() });
        var rng = new Random(3);
        var examples = Enumerable.Range(0, batch)
            .Select(_ => SequenceExample.ForLanguageModel(Enumerable.Range(0, seq + 1).Select(_ => rng.Next(vocab)).ToArray()))
            .ToArray();
        var ws = model.CreateWorkspace();
        void Once()
        {
            var metrics = new PassMetrics();
            if (train)
            {
                model.Parameters.ZeroGradients();
            }
            model.Pass(ws, examples, backward: train, training: train, null, default, default, default, ref metrics);
            if (train)
            {
                optimizer.Step(model.Parameters.Values, model.Parameters.Gradients);
            }
        }
        double flops = 2.0 * batch * seq * hidden * vocab;
        for (int k = 0; k < layers; k++)
        {
            flops += 2.0 * batch * seq * ((k == 0 ? embed : hidden) + hidden) * 4 * hidden;
        }
        if (train)
        {
            flops *= 3;
        }
        double ms = Median(Once, quick);
        return (ms, batch * seq / (ms / 1e3), flops / (ms / 1e3) / 1e9);
    }

    private static (double Ms, double TokensPerSecond, double Gflops) TimeLayer(string cell, JsonElement config, bool train, bool quick)
    {
        int batch = config.GetProperty("batch").GetInt32(), seq = config.GetProperty("seq").GetInt32();
        int input = config.GetProperty("input").GetInt32(), hidden = config.GetProperty("hidden").GetInt32();
        int layers = config.GetProperty("layers").GetInt32();
        bool bidirectional = config.GetProperty("bidirectional").GetBoolean();
        var options = new RecurrentLayerOptions
        {
            Cell = cell == "gru" ? RecurrentCellKind.Gru : RecurrentCellKind.Lstm,
            InputSize = input, HiddenSize = hidden, NumLayers = layers, Bidirectional = bidirectional,
        };
        var layer = new RecurrentLayer(options);
        var rng = new Random(42);
        layer.ResetParameters(rng);
        var ws = layer.CreateWorkspace();
        ws.KeepActivations = train; // inference keeps nothing for a backward pass, like PyTorch under no_grad
        int width = options.NumDirections * hidden;
        var x = Random(rng, batch * seq * input);
        var output = new float[batch * seq * width];
        var dOut = Random(rng, output.Length);
        var dX = new float[x.Length];

        void Once()
        {
            layer.Forward(ws, x, batch, seq, [], [], [], output, [], []);
            if (train)
            {
                layer.Parameters.ZeroGradients();
                Array.Clear(dX);
                layer.Backward(ws, dOut, [], [], dX, [], []);
            }
        }

        double flops = 0;
        for (int k = 0; k < layers; k++)
        {
            int inSize = k == 0 ? input : width;
            flops += options.NumDirections * 2.0 * batch * seq * (inSize + hidden) * options.GateCount * hidden;
        }
        if (train)
        {
            flops *= 3;
        }
        double ms = Median(Once, quick);
        return (ms, batch * seq / (ms / 1e3), flops / (ms / 1e3) / 1e9);
    }

    // Warm-up: at least 2 calls and ~1 s, so that tiered JIT has replaced the first, unoptimised code (the
    // generic TensorPrimitives kernels take over a second of calls to reach tier 1); then the median of at
    // least 5 timed repeats and at least ~1 s (0.3 s with --quick).
    internal static double MedianMs(Action body, bool quick) => Median(body, quick);

    private static double Median(Action body, bool quick)
    {
        var warm = Stopwatch.StartNew();
        // At least a second (tiered JIT recompiles hot methods in the background after ~100 ms): tiny bodies such as
        // a one-row GEMM run thousands of times, big ones a few.
        for (int i = 0; i < 2 || (warm.Elapsed.TotalMilliseconds < 1000 && i < 1_000_000); i++)
        {
            body();
        }
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        double budget = quick ? 300 : 1000;
        while (times.Count < 5 || (total.Elapsed.TotalMilliseconds < budget && times.Count < 200))
        {
            long start = Stopwatch.GetTimestamp();
            body();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    private static float[] Random(Random rng, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(rng.NextDouble() * 2 - 1);
        }
        return values;
    }

    private static string? FindConfigs()
    {
        var dir = new DirectoryInfo(Directory.GetCurrentDirectory());
        while (dir is not null)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "bench", "configs.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
            dir = dir.Parent;
        }
        return null;
    }
}
