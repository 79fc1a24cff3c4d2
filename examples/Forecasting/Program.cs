// Forecasting: a GRU regressor predicts the next value of a monthly/weekly series from a window of past values.
//   dotnet run -c Release --project examples/Forecasting -- --data ../shared/data/sunspots/sunspots_monthly.csv --test-from 1981-01
// With no arguments it writes and uses a small synthetic seasonal series. Last line: "rmse: X" (one step ahead, on the test part).
using System.CommandLine;
using System.Globalization;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

var dataOption = new Option<FileInfo?>("--data") { Description = "CSV with a header, a date column and a numeric column (an empty value = missing)" };
var testFromOption = new Option<string?>("--test-from") { Description = "first date of the test part, e.g. 1981-01 (default: the last 20% of the series)" };
var columnOption = new Option<int>("--column") { Description = "index of the numeric column", DefaultValueFactory = _ => 1 };
var windowOption = new Option<int>("--window") { Description = "past values the model sees", DefaultValueFactory = _ => 48 };
var epochsOption = new Option<int>("--epochs") { Description = "training epochs", DefaultValueFactory = _ => 30 };
var minutesOption = new Option<double>("--minutes") { Description = "training time limit in minutes", DefaultValueFactory = _ => 2 };
var seedOption = new Option<int>("--seed") { Description = "random seed", DefaultValueFactory = _ => 1 };
var root = new RootCommand("Train a recurrent forecaster and report its one-step-ahead RMSE on the test part of the series.")
{
    dataOption, testFromOption, columnOption, windowOption, epochsOption, minutesOption, seedOption,
};
root.SetAction(r => Run(r.GetValue(dataOption), r.GetValue(testFromOption), r.GetValue(columnOption), r.GetValue(windowOption),
    r.GetValue(epochsOption), r.GetValue(minutesOption), r.GetValue(seedOption)));
return root.Parse(args).Invoke();

static int Run(FileInfo? data, string? testFrom, int column, int window, int epochs, double minutes, int seed)
{
    string path = data?.FullName ?? WriteSample();
    if (!File.Exists(path))
    {
        Console.Error.WriteLine($"Data file not found: {path}");
        return 1;
    }
    var (dates, values) = ReadSeries(path, column);
    int split = testFrom is null ? (int)(values.Length * 0.8) : Array.FindIndex(dates, d => string.CompareOrdinal(Digits(d), Digits(testFrom)) >= 0);
    if (split <= window + 1 || split >= values.Length)
    {
        Console.Error.WriteLine($"The split leaves too little data: {split} training points (window {window}) of {values.Length}.");
        return 1;
    }
    Console.WriteLine($"{values.Length} points from {dates[0]} to {dates[^1]}; training on {split} (to {dates[split - 1]}), testing on {values.Length - split}.");

    // Normalise with training statistics only.
    double mean = values.Take(split).Average();
    double std = Math.Sqrt(values.Take(split).Select(v => (v - mean) * (v - mean)).Average());
    float[] z = values.Select(v => (float)((v - mean) / std)).ToArray();
    List<SequenceExample> Windows(int from, int to) => Enumerable.Range(from, to - from)
        .Where(t => t >= window)
        .Select(t => SequenceExample.ForRegression(z[(t - window)..t], [z[t]]))
        .ToList();
    var all = Windows(window, split);
    int validationCount = Math.Max(1, all.Count / 10);
    var train = all[..^validationCount];
    var validation = all[^validationCount..];
    var test = Windows(split, values.Length);

    var model = new SequenceModel(new SequenceModelOptions
    {
        Task = SequenceTask.Regression, InputFeatures = 1, Cell = RecurrentCellKind.Gru, HiddenSize = 32, OutputSize = 1,
    }, seed);
    var trainer = new SequenceTrainer(model, new TrainerOptions
    {
        Epochs = epochs, BatchSize = 32, LearningRate = 0.003, Seed = seed, EarlyStoppingPatience = 8,
        TimeLimit = TimeSpan.FromMinutes(minutes), BucketByLength = false,
    });
    var progress = new Progress(p =>
    {
        if (p.IsEpochEnd)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {p.Epoch,3}  train mse {p.Loss:F4}  validation rmse {p.Validation?.Rmse * std:F3}  eta {p.EstimatedTimeRemaining:mm\\:ss}"));
        }
    });
    var result = trainer.Fit(train, validation, progress);
    Console.WriteLine($"best epoch {result.BestEpoch} of {result.History.Count} in {result.Elapsed.TotalSeconds:F1} s");

    double persistence = Math.Sqrt(test.Average(e => Math.Pow((e.Features![^1] - e.Targets![0]) * std, 2)));
    var evaluation = SequenceEvaluator.Evaluate(model, test);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"persistence baseline rmse: {persistence:F4}"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rmse: {evaluation.Rmse * std:F4}"));
    return 0;
}

static (string[] Dates, double[] Values) ReadSeries(string path, int column)
{
    var dates = new List<string>();
    var values = new List<double?>();
    foreach (string line in File.ReadLines(path).Skip(1))
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            continue;
        }
        string[] cells = line.Split(',');
        dates.Add(cells[0].Trim().Trim('"'));
        string cell = column < cells.Length ? cells[column].Trim().Trim('"') : "";
        values.Add(double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : null);
    }
    // Fill missing values by linear interpolation (the ends take the nearest known value).
    var filled = new double[values.Count];
    int last = -1;
    for (int i = 0; i < values.Count; i++)
    {
        if (values[i] is not double v)
        {
            continue;
        }
        filled[i] = v;
        for (int j = last + 1; j < i; j++)
        {
            filled[j] = last < 0 ? v : filled[last] + (v - filled[last]) * (j - last) / (i - last);
        }
        last = i;
    }
    for (int j = last + 1; j < filled.Length; j++)
    {
        filled[j] = last < 0 ? 0 : filled[last];
    }
    return (dates.ToArray(), filled);
}

static string Digits(string date) => new(date.Where(char.IsAsciiDigit).ToArray());

static string WriteSample()
{
    // A noisy seasonal series with a slow cycle, monthly for 40 years.
    string path = Path.Combine(Path.GetTempPath(), "recurrent-forecasting-sample.csv");
    var rng = new Random(7);
    using var w = new StreamWriter(path);
    w.WriteLine("month,value");
    for (int i = 0; i < 480; i++)
    {
        double v = 50 + 30 * Math.Sin(2 * Math.PI * i / 12) + 20 * Math.Sin(2 * Math.PI * i / 132) + rng.NextDouble() * 6;
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{1980 + i / 12}-{i % 12 + 1:00},{v:F2}"));
    }
    Console.WriteLine($"No --data given: wrote a synthetic monthly series to {path}");
    return path;
}

internal sealed class Progress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => action(value);
}
