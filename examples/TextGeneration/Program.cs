// Text generation: train a character-level LSTM language model on a text file and sample from it.
//   dotnet run -c Release --project examples/TextGeneration -- --data ../shared/data/tinyshakespeare/input.txt --minutes 5
// With no arguments it writes and uses a small sample text. Last line: "val_loss: X" (mean nats/char on the last 10% of the file).
using System.CommandLine;
using System.Globalization;
using Microsoft.ML.Recurrent.Generation;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Text;
using Microsoft.ML.Recurrent.Training;

var dataOption = new Option<FileInfo?>("--data") { Description = "a UTF-8 text file to learn (default: a small sample written to a temporary file)" };
var minutesOption = new Option<double?>("--minutes") { Description = "training time in minutes (default 2 with --data, 0.3 for the sample)" };
var hiddenOption = new Option<int>("--hidden") { Description = "LSTM hidden size", DefaultValueFactory = _ => 256 };
var layersOption = new Option<int>("--layers") { Description = "stacked LSTM layers", DefaultValueFactory = _ => 1 };
var seedOption = new Option<int>("--seed") { Description = "seed of the weights, the batches and the samples", DefaultValueFactory = _ => 1 };
var root = new RootCommand("Train a character language model on a text file, sample from it, and report the validation loss.")
{
    dataOption, minutesOption, hiddenOption, layersOption, seedOption,
};
root.SetAction(r => TextGenerationApp.Run(r.GetValue(dataOption), r.GetValue(minutesOption), r.GetValue(hiddenOption), r.GetValue(layersOption), r.GetValue(seedOption)));
return root.Parse(args).Invoke();

internal static class TextGenerationApp
{
    public static int Run(FileInfo? data, double? minutes, int hidden, int layers, int seed)
    {
        string path = data?.FullName ?? WriteSample();
        if (!File.Exists(path))
        {
            Console.Error.WriteLine($"Data file not found: {path}");
            return 1;
        }
        string text = File.ReadAllText(path);
        int split = (int)(text.Length * 0.9);
        if (split < 200)
        {
            Console.Error.WriteLine($"{path} has {text.Length} characters; at least 250 are needed.");
            return 1;
        }
        var sequencer = TextSequencer.Build([text], new CharacterTokenizer(), new VocabularyOptions { SpecialTokens = SpecialTokens.Unknown });
        int[] train = sequencer.Encode(text[..split]);
        int[] validation = sequencer.Encode(text[split..]);
        Console.WriteLine($"{text.Length:N0} characters, {sequencer.Vocabulary.Count} symbols; training on the first 90%, validating on the last 10%.");

        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.LanguageModel, VocabularySize = sequencer.Vocabulary.Count, EmbeddingSize = 64,
            Cell = RecurrentCellKind.Lstm, HiddenSize = hidden, NumLayers = layers, Dropout = layers > 1 ? 0.2f : 0f,
        }, seed);
        int batch = Math.Clamp(train.Length / 200, 1, 32);
        var limit = TimeSpan.FromMinutes(minutes ?? (data is null ? 0.3 : 2));
        var trainer = new SequenceTrainer(model, new TrainerOptions
        {
            Epochs = 1000, BatchSize = batch, TruncationLength = 100, LearningRate = 2e-3, Seed = seed, TimeLimit = limit,
            MaxValidationItems = 50_000,
        });
        var progress = new Progress(p =>
        {
            if (p.IsEpochEnd)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch} done: train {p.Loss:F3}, validation {p.Validation?.Loss:F3} nats/char"));
            }
            else if (p.Step % 50 == 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"step {p.Step,6}  loss {p.Loss:F3}  {p.TokensPerSecond,8:F0} chars/s  eta {p.EstimatedTimeRemaining:hh\\:mm\\:ss}"));
            }
            if (!p.IsEpochEnd && p.Step % 200 == 0)
            {
                PrintSample(model, sequencer, text[split..], seed);
            }
        });
        var result = trainer.FitStream(train, validation, progress);
        Console.WriteLine($"trained {result.Steps} steps in {result.Elapsed.TotalSeconds:F1} s");
        PrintSample(model, sequencer, text[split..], seed);
        var evaluation = SequenceEvaluator.EvaluateStream(model, validation, streams: 16, chunkLength: 200);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"val_loss: {evaluation.Loss:F4}"));
        return 0;
    }

    // A sample of 200 characters from the model as it is now, prompted with the start of the validation text.
    private static void PrintSample(SequenceModel model, TextSequencer sequencer, string validation, int seed)
    {
        var generator = new TextGenerator(new StreamingPredictor(model), sequencer);
        string prompt = validation[..Math.Min(20, validation.Length)];
        string sample = generator.Generate(prompt, new GenerationOptions { MaxLength = 200, Temperature = 0.8f, Seed = seed });
        Console.WriteLine($"--- sample ---\n{prompt}{sample}\n--------------");
    }

    private static string WriteSample()
    {
        // Public-domain verse (Shakespeare, Sonnet 18), repeated so that a small model can learn it.
        const string verse = """
            Shall I compare thee to a summer's day?
            Thou art more lovely and more temperate:
            Rough winds do shake the darling buds of May,
            And summer's lease hath all too short a date;
            Sometime too hot the eye of heaven shines,
            And often is his gold complexion dimm'd;
            And every fair from fair sometime declines,
            By chance or nature's changing course untrimm'd;
            But thy eternal summer shall not fade,
            Nor lose possession of that fair thou ow'st;
            Nor shall death brag thou wander'st in his shade,
            When in eternal lines to time thou grow'st:
            So long as men can breathe or eyes can see,
            So long lives this, and this gives life to thee.

            """;
        string path = Path.Combine(Path.GetTempPath(), "recurrent-textgeneration-sample.txt");
        File.WriteAllText(path, string.Concat(Enumerable.Repeat(verse, 40)));
        Console.WriteLine($"No --data given: wrote a small sample text to {path}");
        return path;
    }
}

internal sealed class Progress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => action(value);
}
