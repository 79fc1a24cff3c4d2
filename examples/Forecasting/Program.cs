// Forecasting: a GRU regressor predicts the next value of a monthly/weekly series from a window of past values.
//   dotnet run -c Release --project examples/Forecasting -- --data ../shared/data/sunspots/sunspots_monthly.csv --test-from 1981-01
// With no arguments it uses the synthetic seasonal series shipped in its Data folder. By default the network predicts the
// change from the last value (SequenceModelOptions.PredictChange; --predict-change false for the level itself; the
// measurements are in docs/forecasting.md). Last line: "rmse: X" (one step ahead, on the test part). A missing or
// malformed file ends with exit code 2 and one line naming it.
using System.CommandLine;
using System.Globalization;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

var dataOption = new Option<FileInfo?>("--data") { Description = "CSV with a header, a date column and a numeric column (an empty value = missing) (default: the shipped sample)" };
var testFromOption = new Option<string?>("--test-from") { Description = "first date of the test part, e.g. 1981-01 (default: the last 20% of the series)" };
var columnOption = new Option<int>("--column") { Description = "index of the numeric column", DefaultValueFactory = _ => 1 };
var windowOption = new Option<int>("--window") { Description = "past values the model sees", DefaultValueFactory = _ => 48 };
var epochsOption = new Option<int>("--epochs") { Description = "training epochs", DefaultValueFactory = _ => 30 };
var minutesOption = new Option<double>("--minutes") { Description = "training time limit in minutes", DefaultValueFactory = _ => 2 };
var seedOption = new Option<int>("--seed") { Description = "random seed", DefaultValueFactory = _ => 1 };
var weightDropoutOption = new Option<float>("--weight-dropout") { Description = "DropConnect on the GRU's hidden-to-hidden weights while training", DefaultValueFactory = _ => 0.1f };
var outputDropoutOption = new Option<float>("--output-dropout") { Description = "dropout on the GRU's final state before the output layer while training", DefaultValueFactory = _ => 0f };
var predictChangeOption = new Option<bool>("--predict-change") { Description = "the network predicts the change from the last value, which the model adds back (false: the level itself)", DefaultValueFactory = _ => true };
var plotOption = PlotFile.CreateOption();
var root = new RootCommand("Train a recurrent forecaster and report its one-step-ahead RMSE on the test part of the series.")
{
    dataOption, testFromOption, columnOption, windowOption, epochsOption, minutesOption, seedOption, weightDropoutOption, outputDropoutOption, predictChangeOption, plotOption,
};
root.SetAction(r => ExampleFiles.Run(() => Run(r.GetValue(dataOption), r.GetValue(testFromOption), r.GetValue(columnOption), r.GetValue(windowOption),
    r.GetValue(epochsOption), r.GetValue(minutesOption), r.GetValue(seedOption), r.GetValue(predictChangeOption),
    new RegularizationOptions { WeightDropout = r.GetValue(weightDropoutOption), OutputDropout = r.GetValue(outputDropoutOption) }, r.GetValue(plotOption))));
return root.Parse(args).Invoke();

static int Run(FileInfo? data, string? testFrom, int column, int window, int epochs, double minutes, int seed, bool predictChange, RegularizationOptions regularization, FileInfo? plot)
{
    PlotFile.Prepare(plot);
    string path = data?.FullName ?? ExampleFiles.Sample("sample-monthly.csv");
    var (dates, values) = ReadSeries(path, column);
    int split = testFrom is null ? (int)(values.Length * 0.8) : Array.FindIndex(dates, d => string.CompareOrdinal(Digits(d), Digits(testFrom)) >= 0);
    if (split <= window + 1 || split >= values.Length)
    {
        throw InputFileException.For(path, $"the split leaves too little data: {split} training points (window {window}) of {values.Length}");
    }
    Console.WriteLine($"{values.Length} points from {dates[0]} to {dates[^1]}; training on {split} (to {dates[split - 1]}), testing on {values.Length - split}.");

    // Normalise with training statistics only.
    double mean = values.Take(split).Average();
    double std = Math.Sqrt(values.Take(split).Select(v => (v - mean) * (v - mean)).Average());
    if (std == 0)
    {
        throw InputFileException.For(path, $"the {split} training values are all {mean}; nothing to learn");
    }
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
        PredictChange = predictChange,
    }, seed);
    var trainer = new SequenceTrainer(model, new TrainerOptions
    {
        Epochs = epochs, BatchSize = 32, LearningRate = 0.003, Seed = seed, EarlyStoppingPatience = 8,
        TimeLimit = TimeSpan.FromMinutes(minutes), BucketByLength = false, Regularization = regularization,
    });
    var progress = new Progress(p =>
    {
        if (p.IsEpochEnd)
        {
            TrainingConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {p.Epoch,3}  train mse {p.Loss:F4}  validation rmse {p.Validation?.Rmse * std:F3}  eta {p.EstimatedTimeRemaining:mm\\:ss}"));
        }
    });
    var result = TrainingConsole.Train("forecaster", progress, p => trainer.Fit(train, validation, p));
    Console.WriteLine($"best epoch {result.BestEpoch} of {result.History.Count} in {result.Elapsed.TotalSeconds:F1} s");
    PlotFile.Save(plot, result);

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
    string[] lines = ExampleFiles.ReadLines(path);
    for (int i = 1; i < lines.Length; i++)
    {
        if (string.IsNullOrWhiteSpace(lines[i]))
        {
            continue;
        }
        string[] cells = lines[i].Split(',');
        if (column >= cells.Length)
        {
            throw InputFileException.For(path, $"line {i + 1} has {cells.Length} columns; --column {column} needs at least {column + 1}");
        }
        dates.Add(cells[0].Trim().Trim('"'));
        string cell = cells[column].Trim().Trim('"');
        if (cell.Length == 0)
        {
            values.Add(null);
        }
        else if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v))
        {
            values.Add(v);
        }
        else
        {
            throw InputFileException.For(path, $"line {i + 1}: '{cell}' in column {column} is not a number (leave the cell empty for a missing value)");
        }
    }
    if (values.Count(v => v is not null) < 2)
    {
        throw InputFileException.For(path, $"has {values.Count(v => v is not null)} values in column {column}; a series needs many more");
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

internal sealed class Progress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => action(value);
}
