// Loads a saved ML.NET model (.zip) in its own process — referencing only ML.NET and Microsoft.ML.Recurrent, with no
// registration call — and predicts one line of output per input sentence: "PredictedLabel<TAB>Probability<TAB>Score".
//   dotnet run -c Release --project examples/ModelConsumer -p:MLNetSource=<feed> -- --model sentiment.zip --input sentences.txt
using System.CommandLine;
using System.Globalization;
using Microsoft.ML;

var modelOption = new Option<FileInfo>("--model") { Description = "the ML.NET model (.zip) to load", Required = true };
var inputOption = new Option<FileInfo?>("--input") { Description = "sentences to classify, one per line (default: standard input)" };
var root = new RootCommand("Load a saved recurrent ML.NET model and classify sentences.") { modelOption, inputOption };
root.SetAction(r =>
{
    var mlContext = new MLContext();
    ITransformer model;
    try
    {
        model = mlContext.Model.Load(r.GetValue(modelOption)!.FullName, out _);
    }
    catch (Exception e) when (e is IOException or InvalidOperationException or FormatException or InvalidDataException)
    {
        Console.Error.WriteLine($"Cannot load the model: {e.Message}");
        return 2;
    }
    var engine = mlContext.Model.CreatePredictionEngine<ConsumerInput, ConsumerOutput>(model);
    var input = r.GetValue(inputOption);
    using TextReader reader = input is null ? Console.In : new StreamReader(input.FullName);
    while (reader.ReadLine() is { } line)
    {
        var p = engine.Predict(new ConsumerInput { Text = line });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p.PredictedLabel}\t{p.Probability:R}\t{p.Score:R}"));
    }
    return 0;
});
return root.Parse(args).Invoke();

/// <summary>The input the saved pipeline reads.</summary>
public sealed class ConsumerInput
{
    public string Text { get; set; } = "";

    public bool Label { get; set; }
}

/// <summary>The prediction columns.</summary>
public sealed class ConsumerOutput
{
    public bool PredictedLabel { get; set; }

    public float Probability { get; set; }

    public float Score { get; set; }
}
