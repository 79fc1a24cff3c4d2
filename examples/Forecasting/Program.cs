// Forecasting: a GRU regressor predicts the next value of a monthly/weekly series from a window of past values.
//   dotnet run -c Release --project examples/Forecasting -- --data ../shared/data/sunspots/sunspots_monthly.csv --test-from 1981-01
// With no arguments it uses the synthetic seasonal series shipped in its Data folder. Last line: "rmse: X" (one step
// ahead, on the test part). A missing or malformed file ends with exit code 2 and one line naming it.
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
var averagingOption = new Option<double>("--averaging-decay") { Description = "EXPERIMENT: EMA of the weights (0 = none)", DefaultValueFactory = _ => 0 };
var differenceOption = new Option<bool>("--difference") { Description = "EXPERIMENT: predict the change from the last value" };
var ensembleOption = new Option<int>("--ensemble") { Description = "EXPERIMENT: models (seeds) averaged", DefaultValueFactory = _ => 1 };
var hiddenOption = new Option<int>("--hidden") { Description = "EXPERIMENT: hidden size", DefaultValueFactory = _ => 32 };
var lrOption = new Option<double>("--lr") { Description = "EXPERIMENT: learning rate", DefaultValueFactory = _ => 0.003 };
var patienceOption = new Option<int>("--patience") { Description = "EXPERIMENT: patience", DefaultValueFactory = _ => 8 };
var wdOption = new Option<double>("--weight-decay") { Description = "EXPERIMENT: weight decay", DefaultValueFactory = _ => 0 };
var arOption = new Option<int>("--ar") { Description = "EXPERIMENT: the network predicts the residual of a least-squares AR(p) fitted first (0 = none)", DefaultValueFactory = _ => 0 };
var batchOption = new Option<int>("--batch") { Description = "EXPERIMENT: batch size", DefaultValueFactory = _ => 32 };
var cellOption = new Option<RecurrentCellKind>("--cell") { Description = "EXPERIMENT: cell", DefaultValueFactory = _ => RecurrentCellKind.Gru };
var refitOption = new Option<bool>("--refit") { Description = "EXPERIMENT: refit on train+validation for the best epoch count" };
var plotOption = PlotFile.CreateOption();
var root = new RootCommand("Train a recurrent forecaster and report its one-step-ahead RMSE on the test part of the series.")
{
    dataOption, testFromOption, columnOption, windowOption, epochsOption, minutesOption, seedOption, weightDropoutOption, outputDropoutOption, plotOption,
    averagingOption, differenceOption, ensembleOption, hiddenOption, lrOption, patienceOption, wdOption, arOption, batchOption, cellOption, refitOption,
};
root.SetAction(r => ExampleFiles.Run(() => Run(r.GetValue(dataOption), r.GetValue(testFromOption), r.GetValue(columnOption), r.GetValue(windowOption),
    r.GetValue(epochsOption), r.GetValue(minutesOption), r.GetValue(seedOption),
    new RegularizationOptions { WeightDropout = r.GetValue(weightDropoutOption), OutputDropout = r.GetValue(outputDropoutOption) }, r.GetValue(plotOption),
    new Experiment(r.GetValue(averagingOption), r.GetValue(differenceOption), r.GetValue(ensembleOption), r.GetValue(hiddenOption), r.GetValue(lrOption), r.GetValue(patienceOption), r.GetValue(wdOption), r.GetValue(arOption), r.GetValue(batchOption), r.GetValue(cellOption), r.GetValue(refitOption)))));
return root.Parse(args).Invoke();

static int Run(FileInfo? data, string? testFrom, int column, int window, int epochs, double minutes, int seed, RegularizationOptions regularization, FileInfo? plot, Experiment x)
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
    int trainEnd = window + (int)((split - window) * 0.9); // AR fitted on the training windows only (not the validation tail)
    double[] ar = x.Ar > 0 ? FitAr(z, Math.Min(x.Ar, window), window, trainEnd) : [];
    double Base(int t) => x.Difference ? z[t - 1] : ar.Length == 0 ? 0 : ar[^1] + Enumerable.Range(0, ar.Length - 1).Sum(i => ar[i] * z[t - 1 - i]);
    List<SequenceExample> Windows(int from, int to) => Enumerable.Range(from, to - from)
        .Where(t => t >= window)
        .Select(t => SequenceExample.ForRegression(z[(t - window)..t], [(float)(z[t] - Base(t))]))
        .Select(e => e)
        .ToList();
    var all = Windows(window, split);
    int validationCount = Math.Max(1, all.Count / 10);
    var train = all[..^validationCount];
    var validation = all[^validationCount..];
    var test = Windows(split, values.Length);

    var sw = System.Diagnostics.Stopwatch.StartNew();
    var sum = new double[test.Count];
    for (int k = 0; k < x.Ensemble; k++)
    {
        int s = seed + 1000 * k;
        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.Regression, InputFeatures = 1, Cell = x.Cell, HiddenSize = x.Hidden, OutputSize = 1,
        }, s);
        var trainer = new SequenceTrainer(model, new TrainerOptions
        {
            Epochs = epochs, BatchSize = x.Batch, LearningRate = x.Lr, Seed = s, EarlyStoppingPatience = x.Patience, WeightDecay = x.WeightDecay,
            TimeLimit = TimeSpan.FromMinutes(minutes), BucketByLength = false, Regularization = regularization,
            AveragingDecay = x.AveragingDecay > 0 ? x.AveragingDecay : null,
        });
        var result = trainer.Fit(train, validation, null);
        if (x.Refit)
        {
            model = new SequenceModel(model.Options, s);
            new SequenceTrainer(model, new TrainerOptions
            {
                Epochs = Math.Max(1, result.BestEpoch), BatchSize = x.Batch, LearningRate = x.Lr, Seed = s, WeightDecay = x.WeightDecay,
                TimeLimit = TimeSpan.FromMinutes(minutes), BucketByLength = false, Regularization = regularization,
                AveragingDecay = x.AveragingDecay > 0 ? x.AveragingDecay : null,
            }).Fit(all, null, null);
        }
        var session = new Microsoft.ML.Recurrent.Generation.StreamingPredictor(model).CreateSession();
        double se = 0;
        for (int i = 0; i < test.Count; i++)
        {
            session.Reset();
            var f = test[i].Features!;
            for (int j = 0; j < f.Length; j++)
            {
                session.Step([f[j]]);
            }
            double p = session.Prediction[0];
            sum[i] += p;
            double target = test[i].Targets![0];
            se += (p - target) * (p - target);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"model {k}: best epoch {result.BestEpoch} of {result.History.Count}, validation rmse {result.History[result.BestEpoch - 1].Validation?.Rmse * std:F3}, test rmse {Math.Sqrt(se / test.Count) * std:F4}"));
    }
    double ens = 0;
    for (int i = 0; i < test.Count; i++)
    {
        double target = test[i].Targets![0];
        double p = sum[i] / x.Ensemble;
        ens += (p - target) * (p - target);
    }
    double arOnly = Math.Sqrt(Enumerable.Range(0, test.Count).Average(i => Math.Pow(test[i].Targets![0] * std, 2)));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"base (AR/diff) alone rmse: {arOnly:F4}"));
    double persistence = 0;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"persistence baseline rmse: {persistence:F4}"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"time: {sw.Elapsed.TotalSeconds:F1} s"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rmse: {Math.Sqrt(ens / test.Count) * std:F4}"));
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

// Least squares AR(p) with intercept on z[t] for t in [start, end): returns [a_1..a_p, c] (a_i multiplies z[t-i]); a tiny ridge.
static double[] FitAr(float[] z, int p, int start, int end)
{
    int n = p + 1;
    var a = new double[n, n];
    var b = new double[n];
    var row = new double[n];
    for (int t = start; t < end; t++)
    {
        for (int i = 0; i < p; i++)
        {
            row[i] = z[t - 1 - i];
        }
        row[p] = 1;
        for (int i = 0; i < n; i++)
        {
            b[i] += row[i] * z[t];
            for (int j = 0; j < n; j++)
            {
                a[i, j] += row[i] * row[j];
            }
        }
    }
    for (int i = 0; i < p; i++)
    {
        a[i, i] += 1e-6 * (end - start);
    }
    // Gaussian elimination with partial pivoting.
    for (int c = 0; c < n; c++)
    {
        int piv = c;
        for (int r = c + 1; r < n; r++)
        {
            if (Math.Abs(a[r, c]) > Math.Abs(a[piv, c]))
            {
                piv = r;
            }
        }
        for (int j = 0; j < n; j++)
        {
            (a[c, j], a[piv, j]) = (a[piv, j], a[c, j]);
        }
        (b[c], b[piv]) = (b[piv], b[c]);
        for (int r = c + 1; r < n; r++)
        {
            double f = a[r, c] / a[c, c];
            for (int j = c; j < n; j++)
            {
                a[r, j] -= f * a[c, j];
            }
            b[r] -= f * b[c];
        }
    }
    var xs = new double[n];
    for (int r = n - 1; r >= 0; r--)
    {
        double sum = b[r];
        for (int j = r + 1; j < n; j++)
        {
            sum -= a[r, j] * xs[j];
        }
        xs[r] = sum / a[r, r];
    }
    return xs;
}

static string Digits(string date) => new(date.Where(char.IsAsciiDigit).ToArray());

internal sealed class Progress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => action(value);
}

internal sealed record Experiment(double AveragingDecay, bool Difference, int Ensemble, int Hidden, double Lr, int Patience, double WeightDecay, int Ar, int Batch, RecurrentCellKind Cell, bool Refit);
