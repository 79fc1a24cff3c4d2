// Loads a saved ML.NET model (.zip) in its own process — referencing only ML.NET and Microsoft.ML.Recurrent, with no
// registration call — and predicts one line per input sentence: "PredictedLabel<TAB>Probability<TAB>Score<TAB>sentence".
//   dotnet run -c Release --project examples/ModelConsumer
//   dotnet run -c Release --project examples/ModelConsumer -- --model artifacts/SentimentClassification/sentiment.zip --input examples/ModelConsumer/Data/sentences.txt
// With no arguments it loads the small sentiment model embedded in it (trained by examples/SentimentClassification with
// tiny settings) and classifies the shipped Data/sentences.txt. "--input -" reads standard input.
// A text-to-text model (a PredictedText column, as RecurrentSequenceToSequence makes) prints "PredictedText<TAB>attention<TAB>line"
// instead, the attention weights comma-separated (round-trip format) when the model has an "Attention" column, else empty.
// A missing or corrupt model or input ends with exit code 2 and one line naming it.
using System.CommandLine;
using System.Globalization;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

var modelOption = new Option<FileInfo?>("--model") { Description = "the ML.NET model (.zip) to load (default: the small model embedded in this program)" };
var inputOption = new Option<string?>("--input") { Description = "sentences to classify, one per line; - for standard input (default: the shipped Data/sentences.txt)" };
var root = new RootCommand("Load a saved recurrent ML.NET sentiment model and classify sentences.") { modelOption, inputOption };
root.SetAction(r => ExampleFiles.Run(() => Consumer.Run(r.GetValue(modelOption)?.FullName, r.GetValue(inputOption))));
return root.Parse(args).Invoke();

internal static class Consumer
{
    // The logical name given to Data/sentiment-tiny.zip in the project file.
    private const string EmbeddedModel = "ModelConsumer.sentiment-tiny.zip";

    public static int Run(string? modelPath, string? input)
    {
        string inputPath = input ?? ExampleFiles.Sample("sentences.txt");
        string[] sentences = input == "-" ? ReadStandardInput() : ExampleFiles.ReadLines(Path.GetFullPath(inputPath));
        string modelName = modelPath ?? $"the embedded model {EmbeddedModel}";
        var mlContext = new MLContext();
        PredictionEngine<ConsumerInput, ConsumerOutput> engine;
        ConsumerOutput first;
        try
        {
            using Stream stream = modelPath is null ? OpenEmbedded() : OpenFile(modelPath);
            var model = mlContext.Model.Load(stream, out var inputSchema);
            var outputSchema = model.GetOutputSchema(inputSchema);
            if (outputSchema.GetColumnOrNull("PredictedText") is not null && outputSchema.GetColumnOrNull("PredictedLabel") is null)
            {
                return TextToText.Run(mlContext, model, sentences);
            }
            engine = mlContext.Model.CreatePredictionEngine<ConsumerInput, ConsumerOutput>(model);
            // The recurrent model inside is decoded and checked on first use: predict once here so that a corrupt
            // model is reported as one, not as a failure in the middle of the output.
            first = engine.Predict(new ConsumerInput { Text = sentences.FirstOrDefault() ?? "" });
        }
        catch (Exception e) when (e is not InputFileException and not OutOfMemoryException)
        {
            // A model file is untrusted input: whatever ML.NET or the plugin throws while reading it means it is unusable.
            throw InputFileException.For(modelName, $"not a usable sentiment model: {e.Message}", e);
        }
        for (int i = 0; i < sentences.Length; i++)
        {
            var p = i == 0 ? first : engine.Predict(new ConsumerInput { Text = sentences[i] });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p.PredictedLabel}\t{p.Probability:R}\t{p.Score:R}\t{sentences[i]}"));
        }
        return 0;
    }

    private static Stream OpenEmbedded() =>
        Assembly.GetExecutingAssembly().GetManifestResourceStream(EmbeddedModel)
        ?? throw InputFileException.For(EmbeddedModel, "is not embedded in this program");

    private static MemoryStream OpenFile(string path)
    {
        if (!File.Exists(path))
        {
            throw InputFileException.For(path, "file not found");
        }
        try
        {
            return new MemoryStream(File.ReadAllBytes(path), writable: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw InputFileException.For(path, $"cannot be read: {e.Message}", e);
        }
    }

    private static string[] ReadStandardInput()
    {
        var lines = new List<string>();
        while (Console.In.ReadLine() is { } line)
        {
            lines.Add(line);
        }
        return [.. lines];
    }
}

internal static class TextToText
{
    /// <summary>Prints each line's predicted text (and attention weights when the model has an Attention column).</summary>
    public static int Run(MLContext mlContext, ITransformer model, string[] lines)
    {
        var output = model.Transform(mlContext.Data.LoadFromEnumerable(lines.Select(l => new TextInput { Text = l })));
        var texts = output.GetColumn<ReadOnlyMemory<char>>("PredictedText").ToArray();
        var attention = output.Schema.GetColumnOrNull("Attention") is null
            ? new string[lines.Length]
            : [.. output.GetColumn<VBuffer<float>>("Attention").Select(v => string.Join(',', v.DenseValues().Select(w => w.ToString("R", CultureInfo.InvariantCulture))))];
        for (int i = 0; i < lines.Length; i++)
        {
            Console.WriteLine($"{texts[i]}\t{attention[i]}\t{lines[i]}");
        }
        return 0;
    }
}

/// <summary>The input a text-to-text pipeline reads.</summary>
public sealed class TextInput
{
    public string Text { get; set; } = "";
}

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
