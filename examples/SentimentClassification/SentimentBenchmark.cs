using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Recurrent;

/// <summary>
/// What the measurements of the sentiment example need beside the recurrent model: a fixed hold-out split of one file
/// (--split) and the anchor an ML.NET user already has, FeaturizeText + SdcaLogisticRegression (--baseline).
/// </summary>
internal static class SentimentBenchmark
{
    /// <summary>
    /// Splits the rows into training and test parts with ML.NET's TrainTestSplit and a fixed seed (0), so every --seed
    /// of the recurrent model and the baseline see the same test rows.
    /// </summary>
    public static (IDataView Train, IDataView Test) SplitOff(MLContext mlContext, IDataView data, double testShare)
    {
        if (!(testShare > 0 && testShare < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testShare), testShare, "--split must be between 0 and 1 (e.g. 0.1).");
        }
        var split = mlContext.Data.TrainTestSplit(data, testFraction: testShare, seed: 0);
        // Materialised: the split is lazy, and the trainer and the evaluator each read it.
        return (mlContext.Data.LoadFromEnumerable(mlContext.Data.CreateEnumerable<SentimentRow>(split.TrainSet, reuseRowObject: false).ToList()),
            mlContext.Data.LoadFromEnumerable(mlContext.Data.CreateEnumerable<SentimentRow>(split.TestSet, reuseRowObject: false).ToList()));
    }

    /// <summary>Trains stock ML.NET FeaturizeText + SdcaLogisticRegression (default settings) and prints its test metrics.</summary>
    public static void ReportBaseline(MLContext mlContext, IDataView train, IDataView test)
    {
        var pipeline = mlContext.Transforms.Text.FeaturizeText("Features", "Text")
            .Append(mlContext.BinaryClassification.Trainers.SdcaLogisticRegression(labelColumnName: "Label", featureColumnName: "Features"));
        var metrics = mlContext.BinaryClassification.Evaluate(pipeline.Fit(train).Transform(test), labelColumnName: "Label");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"baseline FeaturizeText+SdcaLogisticRegression: accuracy {metrics.Accuracy:F4}, AUC {metrics.AreaUnderRocCurve:F4}, F1 {metrics.F1Score:F4}, log-loss {metrics.LogLoss:F4} bits ({metrics.LogLoss * Math.Log(2):F4} nats)"));
    }

    /// <summary>
    /// Sets classifier options named in "Name=value,Name=value" (--set), for ablations: e.g. OutputDropout=0,
    /// ValidationFraction=0, TimeLimit= (empty: null).
    /// </summary>
    public static RecurrentTextBinaryTrainer.Options Override(RecurrentTextBinaryTrainer.Options options, string? assignments)
    {
        foreach (string assignment in (assignments ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] parts = assignment.Split('=', 2);
            // FineTuning.Name=value sets an option of the fine-tuning recipe (with --pretrain).
            object target = options;
            string name = parts[0];
            if (name.StartsWith("FineTuning.", StringComparison.Ordinal))
            {
                target = options.FineTuning ??= new Microsoft.ML.Recurrent.Training.FineTuningOptions();
                name = name["FineTuning.".Length..];
            }
            var property = target.GetType().GetProperty(name)
                ?? throw new ArgumentException($"--set: the classifier has no option '{parts[0]}'.");
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            string text = parts.Length > 1 ? parts[1] : "";
            object? value = text.Length == 0 ? null
                : type == typeof(TimeSpan) ? TimeSpan.Parse(text, CultureInfo.InvariantCulture)
                : type.IsEnum ? Enum.Parse(type, text)
                : Convert.ChangeType(text, type, CultureInfo.InvariantCulture);
            property.SetValue(target, value);
            Console.WriteLine($"option {property.Name} = {value?.ToString() ?? "null"}");
        }
        return options;
    }
}
