// Sentiment classification in an ML.NET pipeline: text -> recurrent classifier -> the stock binary evaluator.
//   dotnet run -c Release --project examples/SentimentClassification -p:MLNetSource=<feed> -- --train ../shared/data/uci-sentiment-sentences/yelp_labelled.txt --test ../shared/data/uci-sentiment-sentences/imdb_labelled.txt --model sentiment.zip
// Files: "sentence TAB label" (0/1), no header. With no arguments it writes and uses a small sample.
// Last line: "accuracy: X" on the test file.
using System.CommandLine;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Recurrent;

var trainOption = new Option<FileInfo?>("--train") { Description = "training file: sentence<TAB>label (0/1)" };
var testOption = new Option<FileInfo?>("--test") { Description = "test file in the same format" };
var modelOption = new Option<FileInfo?>("--model") { Description = "save the trained ML.NET model (.zip) here" };
var epochsOption = new Option<int>("--epochs") { Description = "training epochs", DefaultValueFactory = _ => 10 };
var seedOption = new Option<int>("--seed") { Description = "random seed", DefaultValueFactory = _ => 1 };
var autoOption = new Option<bool>("--auto") { Description = "search recurrent models (cell, size, depth, learning rate, ...) instead of training one" };
var minutesOption = new Option<double>("--minutes") { Description = "time budget of --auto in minutes", DefaultValueFactory = _ => 2 };
var root = new RootCommand("Train a recurrent sentiment classifier in an ML.NET pipeline and report its accuracy on a test file.")
{
    trainOption, testOption, modelOption, epochsOption, seedOption, autoOption, minutesOption,
};
root.SetAction(r => Run(r.GetValue(trainOption), r.GetValue(testOption), r.GetValue(modelOption), r.GetValue(epochsOption), r.GetValue(seedOption),
    r.GetValue(autoOption) ? r.GetValue(minutesOption) : null));
return root.Parse(args).Invoke();

static int Run(FileInfo? trainFile, FileInfo? testFile, FileInfo? modelFile, int epochs, int seed, double? autoMinutes)
{
    if ((trainFile is null) != (testFile is null))
    {
        Console.Error.WriteLine("Pass both --train and --test, or neither (to run on a small sample).");
        return 1;
    }
    var (trainPath, testPath) = trainFile is null ? WriteSample() : (trainFile.FullName, testFile!.FullName);
    var mlContext = new MLContext(seed);
    // Quoting off: some sentences start with an unbalanced quote.
    var train = mlContext.Data.LoadFromTextFile<SentimentRow>(trainPath, separatorChar: '\t', hasHeader: false, allowQuoting: false);
    var test = mlContext.Data.LoadFromTextFile<SentimentRow>(testPath, separatorChar: '\t', hasHeader: false, allowQuoting: false);

    ITransformer model = autoMinutes is double minutes ? Search(mlContext, train, minutes, seed) : Train(mlContext, train, epochs, seed);
    var metrics = mlContext.BinaryClassification.Evaluate(model.Transform(test), labelColumnName: "Label");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"AUC {metrics.AreaUnderRocCurve:F4}, F1 {metrics.F1Score:F4}, log-loss {metrics.LogLoss:F4}"));
    if (modelFile is not null)
    {
        mlContext.Model.Save(model, train.Schema, modelFile.FullName);
        Console.WriteLine($"saved the ML.NET model to {modelFile.FullName}");
    }
    var engine = mlContext.Model.CreatePredictionEngine<SentimentRow, SentimentPrediction>(model);
    foreach (string sentence in new[] { "The food was wonderful and the staff friendly.", "Terrible service, I will never come back." })
    {
        var p = engine.Predict(new SentimentRow { Text = sentence });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {(p.PredictedLabel ? "positive" : "negative")} ({p.Probability:F3}): {sentence}"));
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"accuracy: {metrics.Accuracy:F4}"));
    return 0;
}

static ITransformer Search(MLContext mlContext, IDataView train, double minutes, int seed)
{
    var experiment = mlContext.BinaryClassification.RecurrentTextExperiment(new RecurrentExperimentSettings
    {
        MaxExperimentTime = TimeSpan.FromMinutes(minutes), Seed = seed,
    });
    var result = experiment.Execute(train, labelColumnName: "Label", textColumnName: "Text",
        new Progress<Microsoft.ML.Recurrent.AutoML.TrialResult>(t => Console.WriteLine($"trial {t.TrialId} (rung {t.Rung}): {t.Metric:F4}  {t.Settings}")));
    Console.WriteLine(result.FormatLeaderboard());
    return result.BestModel;
}

static ITransformer Train(MLContext mlContext, IDataView train, int epochs, int seed)
{
    var pipeline = mlContext.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options
    {
        LabelColumnName = "Label", TextColumnName = "Text", Epochs = epochs, Seed = seed,
        Progress = new Progress(p =>
        {
            if (p.IsEpochEnd)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch}: train loss {p.Loss:F4}"));
            }
        }),
    });
    return pipeline.Fit(train);
}

static (string Train, string Test) WriteSample()
{
    string[] good = ["great", "wonderful", "tasty", "friendly", "excellent", "loved", "fresh", "perfect"];
    string[] bad = ["awful", "rude", "cold", "terrible", "bland", "hated", "slow", "dirty"];
    string[] nouns = ["food", "service", "staff", "place", "pizza", "waiter", "menu", "coffee"];
    var rng = new Random(5);
    string Line()
    {
        bool positive = rng.Next(2) == 1;
        string[] words = positive ? good : bad;
        return $"The {nouns[rng.Next(nouns.Length)]} was {words[rng.Next(words.Length)]} and {words[rng.Next(words.Length)]}.\t{(positive ? 1 : 0)}";
    }
    string dir = Path.Combine(Path.GetTempPath(), "recurrent-sentiment-sample");
    Directory.CreateDirectory(dir);
    string train = Path.Combine(dir, "train.txt"), test = Path.Combine(dir, "test.txt");
    File.WriteAllLines(train, Enumerable.Range(0, 300).Select(_ => Line()));
    File.WriteAllLines(test, Enumerable.Range(0, 100).Select(_ => Line()));
    Console.WriteLine($"No --train/--test given: wrote a small sample to {dir}");
    return (train, test);
}

/// <summary>One row of a sentiment file.</summary>
public sealed class SentimentRow
{
    [LoadColumn(0)]
    public string Text { get; set; } = "";

    [LoadColumn(1)]
    public bool Label { get; set; }
}

/// <summary>What the model adds.</summary>
public sealed class SentimentPrediction
{
    public bool PredictedLabel { get; set; }

    public float Probability { get; set; }

    public float Score { get; set; }
}

internal sealed class Progress(Action<Microsoft.ML.Recurrent.Training.TrainingProgress> action) : IProgress<Microsoft.ML.Recurrent.Training.TrainingProgress>
{
    public void Report(Microsoft.ML.Recurrent.Training.TrainingProgress value) => action(value);
}
