using System.Diagnostics;
using System.Globalization;
using System.Runtime;
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
    public static int Run(FileInfo? configsFile, int threads, bool quick, string? only, bool compare, bool scaling, bool peakRss,
        bool contention, int? width, TextWriter output)
    {
        string? path = configsFile?.FullName ?? FindConfigs();
        if (path is null || !File.Exists(path))
        {
            Console.Error.WriteLine("configs.json not found: pass --configs PATH (the standard one is ../shared/bench/configs.json).");
            return 2;
        }
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;
        if (scaling)
        {
            return RunScaling(root, threads, quick, only, output);
        }
        if (contention)
        {
            return BusyMachine.Run(path, root, threads, quick, only, compare, output);
        }
        var ours = new List<(string Cell, string Config, string Mode, double Ms)>();
        var gemm = new List<(string Name, double Gflops)>();
        ComputeSettings.MaxThreads = threads;
        void Time(Workload work)
        {
            ReleaseGarbage();
            if (peakRss)
            {
                PeakRss.Reset();
            }
            var body = work.Create();
            var (ms, tokensPerSecond, gflops) = Rates(body, Median(body.Once, quick));
            ours.Add((work.Cell, work.Config, work.Mode, ms));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"cell\": \"{work.Cell}\", \"config\": \"{work.Config}\", \"mode\": \"{work.Mode}\", \"ms\": {ms:F3}, \"tokens_per_s\": {tokensPerSecond:F1}, \"gflops\": {gflops:F2}, \"threads\": {threads}{(peakRss ? PeakRss.Field() : "")}}}"));
            output.Flush();
        }
        foreach (var work in LayerWorkloads(root, only))
        {
            Time(work);
        }
        if (only is null || "gemm".Contains(only, StringComparison.Ordinal))
        {
            gemm = GemmThroughput.Run(threads, quick, output);
        }
        foreach (var work in CharLmWorkloads(root, only).Concat(Seq2SeqWorkloads(root, only)))
        {
            Time(work);
        }
        return compare ? TorchComparison.Run(path, threads, quick, only, width, ours, gemm, output) : 0;
    }

    /// <summary>
    /// A full blocking, compacting collection between configurations: the previous one's layer and workspace are garbage
    /// now (PyTorch's reference counting frees its tensors at this point), so that neither the peak RSS nor the next
    /// timing carries them.
    /// </summary>
    internal static void ReleaseGarbage()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }

    /// <summary>One configuration and mode of configs.json, and how to build a fresh timed body for it.</summary>
    internal sealed record Workload(string Cell, string Config, string Mode, Func<Body> Create);

    /// <summary>Every layer configuration (name containing <paramref name="only"/>, if given) for every cell and mode.</summary>
    internal static IEnumerable<Workload> LayerWorkloads(JsonElement root, string? only)
    {
        string[] modes = root.GetProperty("modes").EnumerateArray().Select(e => e.GetString()!).ToArray();
        foreach (string cell in root.GetProperty("cells").EnumerateArray().Select(e => e.GetString()!))
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
                    yield return new Workload(cell, name, mode, () => LayerBody(cell, config, mode == "train"));
                }
            }
        }
    }

    /// <summary>The char-LM training step and inference, when configs.json has them and <paramref name="only"/> allows.</summary>
    internal static IEnumerable<Workload> CharLmWorkloads(JsonElement root, string? only)
    {
        if (!root.TryGetProperty("charlm", out var charlm) || (only is not null && !"charlm".Contains(only, StringComparison.Ordinal)))
        {
            yield break;
        }
        foreach (bool train in new[] { true, false })
        {
            yield return new Workload("charlm", "charlm", train ? "train_step_adam" : "infer", () => CharLmBody(charlm, train));
        }
    }

    /// <summary>The sequence-to-sequence training step and teacher-forced inference (configs.json's "seq2seq" or the built-in one), when <paramref name="only"/> allows.</summary>
    private static IEnumerable<Workload> Seq2SeqWorkloads(JsonElement root, string? only)
    {
        if (only is not null && !"seq2seq".Contains(only, StringComparison.Ordinal))
        {
            yield break;
        }
        var config = root.TryGetProperty("seq2seq", out var given) ? given : JsonDocument.Parse(Seq2SeqThroughput.DefaultConfig).RootElement;
        foreach (bool train in new[] { true, false })
        {
            yield return new Workload("seq2seq", "seq2seq", train ? "train_step_adam" : "infer", () =>
            {
                var (once, tokens, flops) = Seq2SeqThroughput.Create(config, train);
                return new Body(once, tokens, flops);
            });
        }
    }

    /// <summary>
    /// One thread against <paramref name="threads"/>, and what this machine allows: every configuration and mode timed
    /// on one thread, on n threads, and as n independent one-thread copies running at once (no shared data, no
    /// synchronisation: the most any split of the work could give here), in rotation, so that the machine's changes
    /// of speed fall on all three alike. Prints the medians and the median per-round ratios (scaling, ceiling, and the
    /// scaling as a share of the ceiling), then a table.
    /// </summary>
    private static int RunScaling(JsonElement root, int threads, bool quick, string? only, TextWriter output)
    {
        if (threads < 2)
        {
            Console.Error.WriteLine("--scaling compares one thread with --threads, which must then be at least 2.");
            return 2;
        }
        var rows = new List<(Workload Work, ScalingResult Result)>();
        foreach (var work in LayerWorkloads(root, only).Concat(CharLmWorkloads(root, only)).Concat(Seq2SeqWorkloads(root, only)))
        {
            var result = Scaling(Enumerable.Range(0, threads).Select(_ => work.Create()).ToArray(), quick);
            rows.Add((work, result));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"cell\": \"{work.Cell}\", \"config\": \"{work.Config}\", \"mode\": \"{work.Mode}\", \"ms_1\": {result.One:F3}, \"ms_{threads}\": {result.Many:F3}, \"scaling\": {result.Scaling:F3}, \"independent_copies\": {result.Ceiling:F3}, \"of_ceiling\": {result.OfCeiling:F3}}}"));
            output.Flush();
        }
        output.WriteLine();
        output.WriteLine($"| cell | config | mode | 1 thread ms | {threads} threads ms | scaling | {threads} independent copies at once | share of that ceiling |");
        output.WriteLine("|---|---|---|---:|---:|---:|---:|---:|");
        foreach (var (work, r) in rows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {work.Cell} | {work.Config} | {work.Mode} | {r.One:F2} | {r.Many:F2} | {r.Scaling:F2}x | {r.Ceiling:F2}x | {100 * r.OfCeiling:F0}% |"));
        }
        ComputeSettings.MaxThreads = threads;
        return 0;
    }

    /// <param name="One">Median ms on one thread.</param>
    /// <param name="Many">Median ms on n threads.</param>
    /// <param name="Scaling">Median over rounds of one-thread ms / n-thread ms.</param>
    /// <param name="Ceiling">Median over rounds of n * one-thread ms / ms of n independent copies at once.</param>
    /// <param name="OfCeiling">Median over rounds of scaling / ceiling: how much of what the machine gave at that moment the split reached.</param>
    private sealed record ScalingResult(double One, double Many, double Scaling, double Ceiling, double OfCeiling);

    /// <summary>Rounds of: bodies[0] on one thread, on n threads, and all n bodies at once, each on its own thread.</summary>
    private static ScalingResult Scaling(Body[] bodies, bool quick)
    {
        int n = bodies.Length;
        using var copies = new Copies(bodies);
        double Time(int kind)
        {
            ComputeSettings.MaxThreads = kind == 1 ? n : 1;
            if (kind == 2)
            {
                return copies.RunAll();
            }
            long start = Stopwatch.GetTimestamp();
            bodies[0].Once();
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 6 || (warm.Elapsed.TotalMilliseconds < 1500 && i < 1_000_000); i++)
        {
            Time(i % 3);
        }
        var one = new List<double>();
        var many = new List<double>();
        var scaling = new List<double>();
        var ceiling = new List<double>();
        var ofCeiling = new List<double>();
        var total = Stopwatch.StartNew();
        double budget = quick ? 900 : 3000;
        for (int round = 0; round < 7 || (total.Elapsed.TotalMilliseconds < budget && round < 200); round++)
        {
            // Rotate the order so that no kind always runs first (or right after another).
            var times = new double[3];
            for (int j = 0; j < 3; j++)
            {
                int kind = (round + j) % 3;
                times[kind] = Time(kind);
            }
            one.Add(times[0]);
            many.Add(times[1]);
            scaling.Add(times[0] / times[1]);
            ceiling.Add(n * times[0] / times[2]);
            ofCeiling.Add(times[2] / (n * times[1]));
        }
        return new ScalingResult(MedianOf(one), MedianOf(many), MedianOf(scaling), MedianOf(ceiling), MedianOf(ofCeiling));
    }

    /// <summary>
    /// n bodies run at once: the caller runs the first, one thread each the others. Between runs the threads block
    /// (so they take no core from the other timings); a run starts once all are awake, and times only the overlap.
    /// </summary>
    private sealed class Copies : IDisposable
    {
        private readonly Body[] _bodies;
        private readonly Thread[] _threads;
        private readonly SemaphoreSlim _wake = new(0);
        private int _ready;
        private int _go;
        private int _done;
        private volatile bool _stop;

        public Copies(Body[] bodies)
        {
            _bodies = bodies;
            _threads = new Thread[bodies.Length - 1];
            for (int i = 0; i < _threads.Length; i++)
            {
                int index = i + 1;
                _threads[i] = new Thread(() => Loop(index)) { IsBackground = true };
                _threads[i].Start();
            }
        }

        /// <summary>Runs every body at once; returns the milliseconds from the common start to the last end.</summary>
        public double RunAll()
        {
            Volatile.Write(ref _ready, 0);
            Volatile.Write(ref _done, 0);
            _wake.Release(_threads.Length);
            var spinner = new SpinWait();
            while (Volatile.Read(ref _ready) < _threads.Length)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
            long start = Stopwatch.GetTimestamp();
            Interlocked.Increment(ref _go);
            _bodies[0].Once();
            spinner.Reset();
            while (Volatile.Read(ref _done) < _threads.Length)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        private void Loop(int index)
        {
            while (true)
            {
                _wake.Wait();
                if (_stop)
                {
                    return;
                }
                int go = Volatile.Read(ref _go);
                Interlocked.Increment(ref _ready);
                while (Volatile.Read(ref _go) == go)
                {
                    Thread.SpinWait(1);
                }
                _bodies[index].Once();
                Interlocked.Increment(ref _done);
            }
        }

        public void Dispose()
        {
            _stop = true;
            _wake.Release(_threads.Length);
            foreach (var thread in _threads)
            {
                thread.Join();
            }
            _wake.Dispose();
        }
    }

    private static double MedianOf(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    // Embedding(V,E) -> L-layer LSTM(H) -> Linear(H,V), cross-entropy over every step; train = zero_grad + forward + backward + Adam step.
    private static Body CharLmBody(JsonElement config, bool train)
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
            var metrics = new MetricTotals();
            if (train)
            {
                model.Parameters.ZeroGradients();
            }
            model.ComputeLoss(ws, examples, backward: train, training: train, null, default, default, default, ref metrics);
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
        return new Body(Once, batch * seq, flops);
    }

    private static Body LayerBody(string cell, JsonElement config, bool train)
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
        return new Body(Once, batch * seq, flops);
    }

    /// <summary>One timed unit of a configuration: the call, the tokens it processes and its FLOP count.</summary>
    internal sealed record Body(Action Once, int Tokens, double Flops);

    private static (double Ms, double TokensPerSecond, double Gflops) Rates(Body body, double ms) =>
        (ms, body.Tokens / (ms / 1e3), body.Flops / (ms / 1e3) / 1e9);

    // Warm-up: at least 2 calls and ~1 s, so that tiered JIT has replaced the first, unoptimised code (the
    // generic TensorPrimitives kernels take over a second of calls to reach tier 1); then the median of at
    // least 5 timed repeats and at least ~1 s (0.3 s with --quick).
    internal static double MedianMs(Action body, bool quick) => Median(body, quick);

    private static double Median(Action body, bool quick)
    {
        var warm = Stopwatch.StartNew();
        // At least a second (tiered JIT recompiles hot methods in the background after ~100 ms): tiny bodies such as
        // a one-row GEMM run thousands of times, big ones a few.
        // Every ~100 ms the warm-up leaves the cores free for 20 ms: the tiered JIT's background compiles need a core, and
        // on a busy machine (or under chrt, where this process's threads outrank every other) they would wait for it.
        long lastPause = 0;
        for (int i = 0; i < 2 || (warm.Elapsed.TotalMilliseconds < 1000 && i < 1_000_000); i++)
        {
            body();
            if (warm.ElapsedMilliseconds - lastPause >= 100)
            {
                Thread.Sleep(20);
                lastPause = warm.ElapsedMilliseconds;
            }
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
