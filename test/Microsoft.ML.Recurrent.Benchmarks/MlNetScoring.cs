using System.Diagnostics;
using System.Globalization;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// <c>throughput --mlnet</c>: scoring through ML.NET as a user does it. In one run it trains (or loads, --mlnet-model) the
/// default binary sentiment model and the stock FeaturizeText + AveragedPerceptron pipeline on the same sentences, saves
/// both, loads both back with <c>Model.Load</c>, and scores the same 10,000 rows through <c>Transform</c> + a cursor and
/// through a PredictionEngine, in alternation (3 rounds: ours then stock), printing rows/s and the per-round ratios. Then
/// cold start (Model.Load to the first prediction; also from a ReadyToRun publish given by --mlnet-r2r), a second model in
/// a warm process, and peak RSS of loading the .zip and scoring 10,000 rows, each in a fresh child process
/// (<see cref="MlNetScoringChild"/>), for both models.
/// </summary>
internal static class MlNetScoring
{
    public const int Rows = 10_000;

    /// <summary>One input row of both pipelines.</summary>
    internal sealed class SentimentText
    {
        public string Text { get; set; } = "";

        public bool Label { get; set; }
    }

    /// <summary>What both pipelines predict.</summary>
    internal sealed class SentimentScore
    {
        public float Score { get; set; }

        public bool PredictedLabel { get; set; }
    }

    public static int Run(int threads, bool quick, FileInfo? model, DirectoryInfo? keep, FileInfo? readyToRun, TextWriter output)
    {
        ComputeSettings.MaxThreads = threads;
        var sentences = Sentences(out string source);
        output.WriteLine($"# data: {source} ({sentences.Count} labelled sentences, cycled to {Rows} rows)");
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(sentences);
        keep?.Create();
        string dir = keep?.FullName ?? Directory.CreateTempSubdirectory("recurrent-mlnet-").FullName;
        try
        {
            string ours = model?.FullName ?? Path.Combine(dir, "sentiment.zip");
            if (model is null)
            {
                var watch = Stopwatch.StartNew();
                // Plugin defaults (embedding 64, BiLSTM 64, max pooling); a few epochs: the scoring cost does not depend on the weights.
                // One model: the default on these 1,000 sentences is a 5-member seed ensemble, which costs about five
                // forward passes a row (docs/sentiment.md); --mlnet-model scores a saved ensemble.
                var trainer = ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options { Epochs = quick ? 2 : 5, EnsembleSize = 1 });
                ml.Model.Save(trainer.Fit(train), train.Schema, ours);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# trained the default recurrent classifier in {watch.Elapsed.TotalSeconds:F1} s"));
            }
            string stock = Path.Combine(dir, "stock.zip");
            var pipeline = ml.Transforms.Text.FeaturizeText("Features", nameof(SentimentText.Text))
                .Append(ml.BinaryClassification.Trainers.AveragedPerceptron(featureColumnName: "Features"));
            ml.Model.Save(pipeline.Fit(train), train.Schema, stock);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"# model files: recurrent {new FileInfo(ours).Length / 1e6:F2} MB, stock {new FileInfo(stock).Length / 1e6:F2} MB; threads {threads}"));
            var rows = Enumerable.Range(0, Rows).Select(i => sentences[i % sentences.Count]).ToArray();
            TimeScoring(ml, ours, stock, rows, quick ? 1 : 3, output);
            MlNetScoringBreakdown.Run(ml.Model.Load(ours, out _), rows, ml, quick, output);
            ColdAndMemory(ours, stock, dir, quick ? 1 : 3, readyToRun?.FullName, output);
            return 0;
        }
        finally
        {
            if (keep is null)
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    private static void TimeScoring(MLContext ml, string oursPath, string stockPath, SentimentText[] rows, int rounds, TextWriter output)
    {
        var data = ml.Data.LoadFromEnumerable(rows);
        var models = new[] { ml.Model.Load(oursPath, out _), ml.Model.Load(stockPath, out _) };
        var engines = models.Select(m => ml.Model.CreatePredictionEngine<SentimentText, SentimentScore>(m)).ToArray();
        // Warm-up: a pass of each and ~1 s more, so that tiered JIT has optimised the per-row code.
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 2 || warm.Elapsed.TotalSeconds < 1; i++)
        {
            TransformPass(models[i % 2], data);
            EnginePass(engines[i % 2], rows);
        }
        var transform = new List<double>[] { [], [] };
        var engine = new List<double>[] { [], [] };
        for (int round = 0; round < rounds; round++)
        {
            for (int m = 0; m < 2; m++)
            {
                transform[m].Add(RowsPerSecond(() => TransformPass(models[m], data), rows.Length));
            }
            for (int m = 0; m < 2; m++)
            {
                engine[m].Add(RowsPerSecond(() => EnginePass(engines[m], rows), rows.Length));
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"mlnet\": \"round\", \"round\": {round + 1}, \"transform_ours\": {transform[0][^1]:F0}, \"transform_stock\": {transform[1][^1]:F0}, \"transform_ratio\": {transform[0][^1] / transform[1][^1]:F3}, \"engine_ours\": {engine[0][^1]:F0}, \"engine_stock\": {engine[1][^1]:F0}, \"engine_ratio\": {engine[0][^1] / engine[1][^1]:F3}}}"));
            output.Flush();
        }
        output.WriteLine();
        output.WriteLine($"| scoring {rows.Length:N0} rows (median of {rounds}) | recurrent (default sentiment .zip) | FeaturizeText + AveragedPerceptron | ratio per round |");
        output.WriteLine("|---|---:|---:|---|");
        WriteRow("Transform + cursor, rows/s", transform, output);
        WriteRow("PredictionEngine, rows/s", engine, output);
        foreach (var e in engines)
        {
            e.Dispose();
        }
    }

    private static void WriteRow(string name, List<double>[] rates, TextWriter output)
    {
        string ratios = string.Join(", ", rates[0].Zip(rates[1], (a, b) => (a / b).ToString("F2", CultureInfo.InvariantCulture)));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {Median(rates[0]):N0} | {Median(rates[1]):N0} | {ratios} |"));
    }

    /// <summary>Scores every row through Transform and one cursor that reads Score and PredictedLabel; returns a checksum.</summary>
    internal static double TransformPass(ITransformer model, IDataView data)
    {
        var scored = model.Transform(data);
        var score = scored.Schema["Score"];
        var label = scored.Schema["PredictedLabel"];
        using var cursor = scored.GetRowCursor(new[] { score, label });
        var getScore = cursor.GetGetter<float>(score);
        var getLabel = cursor.GetGetter<bool>(label);
        float value = 0;
        bool positive = false;
        double sum = 0;
        while (cursor.MoveNext())
        {
            getScore(ref value);
            getLabel(ref positive);
            sum += value + (positive ? 1 : 0);
        }
        return sum;
    }

    private static double EnginePass(PredictionEngine<SentimentText, SentimentScore> engine, SentimentText[] rows)
    {
        var prediction = new SentimentScore();
        double sum = 0;
        foreach (var row in rows)
        {
            engine.Predict(row, ref prediction);
            sum += prediction.Score;
        }
        return sum;
    }

    private static double RowsPerSecond(Func<double> pass, int rows)
    {
        long start = Stopwatch.GetTimestamp();
        pass();
        return rows / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>
    /// Cold start and peak RSS, each in fresh child processes (ours and stock alternating), medians of the runs: cold with
    /// the JIT, a second model in a process where a first one was loaded and used ("warm"), and, given a ReadyToRun publish
    /// of this program, cold in its children.
    /// </summary>
    private static void ColdAndMemory(string ours, string stock, string dir, int runs, string? readyToRun, TextWriter output)
    {
        string oursCopy = Path.Combine(dir, "sentiment-copy.zip"); // a second recurrent model: same size, decoded again
        File.Copy(ours, oursCopy, overwrite: true);
        var variants = new List<(string Label, string Kind, string? WarmUp, string? Host)>
        {
            ("cold (JIT)", "cold", null, null),
            ("second model, ML.NET warm (the other pipeline loaded and used first)", "warm", "other", null),
            ("second model of the same kind (a copy loaded and used first)", "warm", "copy", null),
        };
        if (readyToRun is not null)
        {
            variants.Add(("cold, ReadyToRun publish", "cold", null, readyToRun));
        }
        variants.Add(("peak RSS", "rss", null, null));
        var results = new List<MlNetScoringChild.Result>[variants.Count, 2];
        for (int run = 0; run < runs; run++)
        {
            for (int v = 0; v < variants.Count; v++)
            {
                for (int m = 0; m < 2; m++)
                {
                    var (_, kind, warm, host) = variants[v];
                    string path = m == 0 ? ours : stock;
                    string? warmUp = warm switch { "other" => m == 0 ? stock : ours, "copy" => m == 0 ? oursCopy : stock + ".copy.zip", _ => null };
                    if (warm == "copy" && m == 1)
                    {
                        File.Copy(stock, warmUp!, overwrite: true);
                    }
                    var result = MlNetScoringChild.Spawn(kind, path, warmUp, host);
                    output.WriteLine(result.Json);
                    output.Flush();
                    (results[v, m] ??= []).Add(result);
                }
            }
        }
        double Med(int v, int m, Func<MlNetScoringChild.Result, double> pick) => Median(results[v, m].Select(pick).ToList());
        output.WriteLine();
        output.WriteLine($"| fresh process (median of {runs}) | recurrent | FeaturizeText + AveragedPerceptron |");
        output.WriteLine("|---|---:|---:|");
        for (int v = 0; v < variants.Count; v++)
        {
            string label = variants[v].Label;
            if (variants[v].Kind == "rss")
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| peak RSS: load + score {Rows:N0} rows (Transform), MB | {Med(v, 0, r => r.PeakMb):F0} | {Med(v, 1, r => r.PeakMb):F0} |"));
                continue;
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {label}: MLContext + Model.Load, ms | {Med(v, 0, r => r.LoadMs):F0} | {Med(v, 1, r => r.LoadMs):F0} |"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {label}: first prediction (CreatePredictionEngine + Predict), ms | {Med(v, 0, r => r.FirstMs):F0} | {Med(v, 1, r => r.FirstMs):F0} |"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {label}: Model.Load to the first prediction, ms | {Med(v, 0, r => r.LoadMs + r.FirstMs):F0} | {Med(v, 1, r => r.LoadMs + r.FirstMs):F0} |"));
        }
    }

    /// <summary>The labelled sentences: ../shared/data's Yelp sentences when present, else the sentiment example's sample.</summary>
    internal static List<SentimentText> Sentences(out string source)
    {
        string? path = FindUp(Path.Combine("shared", "data", "uci-sentiment-sentences", "yelp_labelled.txt"))
            ?? FindUp(Path.Combine("examples", "SentimentClassification", "Data", "sample-train.tsv"))
            ?? throw new FileNotFoundException("Neither ../shared/data/uci-sentiment-sentences/yelp_labelled.txt nor examples/SentimentClassification/Data/sample-train.tsv was found above the working directory.");
        source = path;
        var rows = new List<SentimentText>();
        foreach (string line in File.ReadLines(path))
        {
            int tab = line.LastIndexOf('\t');
            if (tab > 0)
            {
                rows.Add(new SentimentText { Text = line[..tab], Label = line[(tab + 1)..].Trim() == "1" });
            }
        }
        return rows;
    }

    private static string? FindUp(string relative)
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
