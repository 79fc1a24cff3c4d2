// Text generation: train a character-level LSTM language model on a text file, sample from it, save it, and
// generate from a saved model.
//   dotnet run -c Release --project examples/TextGeneration -- --data ../shared/data/tinyshakespeare/input.txt --minutes 5 --save shakespeare.rnnmodel
//   dotnet run -c Release --project examples/TextGeneration -- --load shakespeare.rnnmodel --prompt "ROMEO:" --length 300 --temperature 0.7
//   dotnet run -c Release --project examples/TextGeneration -- --load shakespeare.rnnmodel --interactive
// With no arguments it trains on three of Shakespeare's sonnets shipped in its Data folder (public domain). After
// training, the last line is "val_loss: X" (mean nats/char on the last 10% of the file). The model is saved only
// where --save says. A missing, unreadable or too short text file, or a model file that cannot be loaded, ends with
// exit code 2 and one line naming it.
using System.CommandLine;
using System.Globalization;
using Microsoft.ML.Recurrent.Generation;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Text;
using Microsoft.ML.Recurrent.Training;

var dataOption = new Option<FileInfo?>("--data") { Description = "a UTF-8 text file to learn (default: the shipped Data/sonnets.txt)" };
var minutesOption = new Option<double?>("--minutes") { Description = "training time in minutes (default 2 with --data, 0.3 for the sample)" };
var hiddenOption = new Option<int>("--hidden") { Description = "LSTM hidden size", DefaultValueFactory = _ => 256 };
var layersOption = new Option<int>("--layers") { Description = "stacked LSTM layers", DefaultValueFactory = _ => 1 };
var learningRateOption = new Option<double>("--lr") { Description = "peak learning rate (Adam): a short warm-up, then a cosine down to zero at the time limit", DefaultValueFactory = _ => 4e-3 };
var saveOption = new Option<FileInfo?>("--save") { Description = "save the trained model (with its vocabulary) to this file" };
var loadOption = new Option<FileInfo?>("--load") { Description = "generate from a saved model instead of training" };
var promptOption = new Option<string?>("--prompt") { Description = "text to continue (default: the start of the validation text, or a new line)" };
var lengthOption = new Option<int>("--length") { Description = "characters to generate at the end", DefaultValueFactory = _ => 300 };
var temperatureOption = new Option<float>("--temperature") { Description = "sampling temperature (0 = greedy)", DefaultValueFactory = _ => 0.8f };
var topKOption = new Option<int>("--top-k") { Description = "sample only from the K most likely characters (0 = off)", DefaultValueFactory = _ => 0 };
var topPOption = new Option<float>("--top-p") { Description = "sample only from the smallest set with this total probability (1 = off)", DefaultValueFactory = _ => 1f };
var seedOption = new Option<int>("--seed") { Description = "seed of the weights, the batches and the samples", DefaultValueFactory = _ => 1 };
var interactiveOption = new Option<bool>("--interactive") { Description = "read prompts from the console and stream the generated text" };
var plotOption = PlotFile.CreateOption();
var root = new RootCommand("Train a character language model on a text file, sample from it, and report the validation loss.")
{
    dataOption, minutesOption, hiddenOption, layersOption, learningRateOption, saveOption, loadOption, promptOption, lengthOption,
    temperatureOption, topKOption, topPOption, seedOption, interactiveOption, plotOption,
};
root.SetAction(r => ExampleFiles.Run(() => new TextGenerationApp
{
    Data = r.GetValue(dataOption), Minutes = r.GetValue(minutesOption), Hidden = r.GetValue(hiddenOption), Layers = r.GetValue(layersOption),
    LearningRate = r.GetValue(learningRateOption),
    Save = r.GetValue(saveOption), Load = r.GetValue(loadOption), Prompt = r.GetValue(promptOption), Length = r.GetValue(lengthOption),
    Sampling = new GenerationOptions
    {
        Temperature = r.GetValue(temperatureOption), TopK = r.GetValue(topKOption), TopP = r.GetValue(topPOption), Seed = r.GetValue(seedOption),
    },
    Seed = r.GetValue(seedOption), Interactive = r.GetValue(interactiveOption), Plot = r.GetValue(plotOption),
}.Run()));
return root.Parse(args).Invoke();

internal sealed class TextGenerationApp
{
    public FileInfo? Data { get; init; }
    public double? Minutes { get; init; }
    public int Hidden { get; init; }
    public int Layers { get; init; }
    public double LearningRate { get; init; }
    public FileInfo? Save { get; init; }
    public FileInfo? Load { get; init; }
    public string? Prompt { get; init; }
    public int Length { get; init; }
    public required GenerationOptions Sampling { get; init; }
    public int Seed { get; init; }
    public bool Interactive { get; init; }
    public FileInfo? Plot { get; init; }

    public int Run()
    {
        try
        {
            Sampling.Validate();
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        return Load is not null ? Generate(Load) : Train();
    }

    private int Generate(FileInfo file)
    {
        RecurrentModelFile saved;
        try
        {
            saved = RecurrentModelFile.Load(file.FullName);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw InputFileException.For(file.FullName, $"cannot be loaded: {e.Message}", e);
        }
        if (saved.Sequencer is null || saved.Model.Options.Task != SequenceTask.LanguageModel)
        {
            throw InputFileException.For(file.FullName,
                $"holds a {saved.Model.Options.Task} model{(saved.Sequencer is null ? " without a vocabulary" : "")}, not a text language model");
        }
        var generator = new TextGenerator(new StreamingPredictor(saved.Model), saved.Sequencer);
        Console.WriteLine($"Loaded {file.Name}: {saved.Model.Options.Cell} {saved.Model.Options.NumLayers}x{saved.Model.Options.HiddenSize}, {saved.Sequencer.Vocabulary.Count} symbols.");
        if (Interactive)
        {
            return RunInteractive(generator);
        }
        string prompt = Prompt ?? "\n";
        Console.Write(prompt);
        foreach (string piece in generator.GenerateTokens(prompt, Sampling with { MaxLength = Length }))
        {
            Console.Write(piece);
        }
        Console.WriteLine();
        if (Data is not null)
        {
            string text = ExampleFiles.ReadText(Data.FullName);
            var evaluation = generator.Evaluate(text[(int)(text.Length * 0.9)..]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"val_loss: {evaluation.NatsPerToken:F4}"));
        }
        return 0;
    }

    private int RunInteractive(TextGenerator generator)
    {
        Console.WriteLine("Type a prompt and press Enter (an empty line or end of input quits).");
        int turn = 0;
        while (true)
        {
            Console.Write("> ");
            string? prompt = Console.ReadLine();
            if (string.IsNullOrEmpty(prompt))
            {
                return 0;
            }
            Console.Write(prompt);
            foreach (string piece in generator.GenerateTokens(prompt, Sampling with { MaxLength = Length, Seed = Sampling.Seed + turn++ }))
            {
                Console.Write(piece);
                Console.Out.Flush();
            }
            Console.WriteLine();
        }
    }

    private int Train()
    {
        if (Save is not null)
        {
            ExampleFiles.PrepareOutput(Save.FullName);
        }
        PlotFile.Prepare(Plot);
        string path = Data?.FullName ?? ExampleFiles.Sample("sonnets.txt");
        string text = ExampleFiles.ReadText(path);
        int split = (int)(text.Length * 0.9);
        if (split < 200)
        {
            throw InputFileException.For(path, $"has {text.Length} characters; at least 250 are needed");
        }
        var sequencer = TextSequencer.Build([text], new CharacterTokenizer(), new VocabularyOptions { SpecialTokens = SpecialTokens.Unknown });
        int[] train = sequencer.Encode(text[..split]);
        int[] validation = sequencer.Encode(text[split..]);
        Console.WriteLine($"{text.Length:N0} characters, {sequencer.Vocabulary.Count} symbols; training on the first 90%, validating on the last 10%.");

        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.LanguageModel, VocabularySize = sequencer.Vocabulary.Count, EmbeddingSize = 64,
            Cell = RecurrentCellKind.Lstm, HiddenSize = Hidden, NumLayers = Layers, Dropout = Layers > 1 ? 0.2f : 0f,
        }, Seed);
        int batch = Math.Clamp(train.Length / 200, 1, 32);
        var limit = TimeSpan.FromMinutes(Minutes ?? (Data is null ? 0.3 : 2));
        var trainer = new SequenceTrainer(model, new TrainerOptions
        {
            Epochs = 1000, BatchSize = batch, TruncationLength = 100, LearningRate = LearningRate, Seed = Seed, TimeLimit = limit,
            Schedule = new TimeBudgetSchedule(limit),
            MaxValidationItems = 50_000,
            // Keep the best epoch's weights: a small text is learned by heart within seconds and then only overfits.
            EarlyStoppingPatience = 10,
        });
        string samplePrompt = Prompt ?? text[split..Math.Min(text.Length, split + 20)];
        var progress = new Progress(p =>
        {
            if (p.IsEpochEnd)
            {
                TrainingConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch} done: train {p.Loss:F3}, validation {p.Validation?.Loss:F3} nats/char"));
                return;
            }
            if (p.Step % 50 == 0)
            {
                TrainingConsole.WriteStepLine(string.Create(CultureInfo.InvariantCulture,
                    $"step {p.Step,6}  loss {p.Loss:F3}  {p.TokensPerSecond,8:F0} chars/s  eta {p.EstimatedTimeRemaining:hh\\:mm\\:ss}"));
            }
            if (p.Step % 200 == 0)
            {
                PrintSample(model, sequencer, samplePrompt, 200);
            }
        });
        var result = TrainingConsole.Train("language model", progress, p => trainer.FitStream(train, validation, p));
        Console.WriteLine($"trained {result.Steps} steps in {result.Elapsed.TotalSeconds:F1} s");
        PlotFile.Save(Plot, result);
        PrintSample(model, sequencer, samplePrompt, Length);
        if (Save is not null)
        {
            new RecurrentModelFile(model, sequencer).Save(Save.FullName);
            Console.WriteLine($"saved the model to {Save.FullName}");
        }
        var evaluation = SequenceEvaluator.EvaluateStream(model, validation, streams: 16, chunkLength: 200);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"val_loss: {evaluation.Loss:F4}"));
        return 0;
    }

    // A sample from the model as it is now.
    private void PrintSample(SequenceModel model, TextSequencer sequencer, string prompt, int length)
    {
        var generator = new TextGenerator(new StreamingPredictor(model), sequencer);
        string sample = generator.Generate(prompt, Sampling with { MaxLength = length });
        TrainingConsole.WriteLine($"--- sample ---\n{prompt}{sample}\n--------------");
    }
}

internal sealed class Progress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => action(value);
}
