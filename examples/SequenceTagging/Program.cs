// Sequence tagging: a bidirectional LSTM predicts one tag per token (e.g. universal part-of-speech tags).
//   dotnet run -c Release --project examples/SequenceTagging -- --train ../shared/data/ud-english-ewt/en_ewt-upos-train.tsv --test ../shared/data/ud-english-ewt/en_ewt-upos-dev.tsv
// Files: "token TAB tag" per line, a blank line between sentences. With no arguments it uses the small sample of a
// tiny grammar shipped in its Data folder. A missing or malformed file ends with exit code 2 and one line naming it.
// Last line: "accuracy: X" (token accuracy on the test file).
using System.CommandLine;
using System.Globalization;
using Microsoft.ML.Recurrent.AutoML;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Text;
using Microsoft.ML.Recurrent.Training;

var trainOption = new Option<FileInfo?>("--train") { Description = "training file: token<TAB>tag lines, blank line between sentences" };
var testOption = new Option<FileInfo?>("--test") { Description = "test file in the same format" };
var epochsOption = new Option<int>("--epochs") { Description = "most training epochs (the time limit and early stopping usually end training first)", DefaultValueFactory = _ => 40 };
var minutesOption = new Option<double>("--minutes") { Description = "training time limit in minutes", DefaultValueFactory = _ => 5 };
var charactersOption = new Option<bool>("--no-characters") { Description = "read words without their characters (word embeddings only)" };
var layersOption = new Option<int>("--layers") { Description = "stacked BiLSTM layers", DefaultValueFactory = _ => 1 };
var dropoutOption = new Option<float>("--dropout") { Description = "dropout between stacked layers", DefaultValueFactory = _ => 0.33f };
var seedOption = new Option<int>("--seed") { Description = "random seed", DefaultValueFactory = _ => 1 };
var autoOption = new Option<bool>("--auto") { Description = "search taggers (cell, size, depth, learning rate, batch) for --minutes, starting from the defaults, instead of training the defaults" };
var plotOption = PlotFile.CreateOption();
var root = new RootCommand("Train a bidirectional LSTM tagger and report its token accuracy on a test file.")
{
    trainOption, testOption, epochsOption, minutesOption, seedOption, charactersOption, layersOption, dropoutOption, autoOption, plotOption,
};
root.SetAction(r => ExampleFiles.Run(() => Run(r.GetValue(trainOption), r.GetValue(testOption), r.GetValue(epochsOption), r.GetValue(minutesOption), r.GetValue(seedOption),
    !r.GetValue(charactersOption), r.GetValue(layersOption), r.GetValue(dropoutOption), r.GetValue(autoOption), r.GetValue(plotOption))));
return root.Parse(args).Invoke();

static int Run(FileInfo? trainFile, FileInfo? testFile, int epochs, double minutes, int seed, bool characters, int layers, float dropout, bool auto, FileInfo? plot)
{
    if ((trainFile is null) != (testFile is null))
    {
        Console.Error.WriteLine("Pass both --train and --test, or neither (to run on a small sample).");
        return 1;
    }
    PlotFile.Prepare(plot);
    string trainPath = trainFile?.FullName ?? ExampleFiles.Sample("sample-train.tsv");
    string testPath = testFile?.FullName ?? ExampleFiles.Sample("sample-test.tsv");
    var trainSentences = ReadTagged(trainPath);
    var testSentences = ReadTagged(testPath);
    // Words seen once are left out, so the UNK embedding is trained on rare words and serves unseen ones.
    var words = Vocabulary.Build(trainSentences.Select(s => s.Tokens), new VocabularyOptions { MinCount = 2, SpecialTokens = SpecialTokens.Pad | SpecialTokens.Unknown });
    var tags = Vocabulary.Build(trainSentences.Select(s => s.Tags), new VocabularyOptions { SpecialTokens = SpecialTokens.None });
    // Every word is also read as its characters, so a word unseen in training (UNK) still has a representation.
    var chars = characters ? CharacterVocabulary.Build(trainSentences.SelectMany(s => s.Tokens), minCount: 2) : null;
    Console.WriteLine($"{trainSentences.Count} training sentences, {testSentences.Count} test sentences; {words.Count} words, {tags.Count} tags, {chars?.Count ?? 0} character ids.");

    List<SequenceExample> Encode(List<(string[] Tokens, string[] Tags)> sentences) => sentences
        .Select(s => new SequenceExample
        {
            Tokens = words.Encode(s.Tokens),
            Characters = chars?.Encode(s.Tokens),
            StepLabels = s.Tags.Select(t => tags.TryGetId(t, out int id) ? id : -1).ToArray(),
        })
        .ToList();
    var all = Encode(trainSentences);
    int validationCount = Math.Max(1, all.Count / 20);
    var train = all[..^validationCount];
    var validation = all[^validationCount..];
    var test = Encode(testSentences);

    var modelOptions = new SequenceModelOptions
    {
        Task = SequenceTask.Tagging, VocabularySize = words.Count, EmbeddingSize = 100, Cell = RecurrentCellKind.Lstm,
        HiddenSize = 128, NumLayers = layers, Dropout = layers > 1 ? dropout : 0f, OutputSize = tags.Count,
        CharacterVocabularySize = chars?.Count ?? 0, CharacterEmbeddingSize = 16, CharacterFilters = 32, CharacterMaxWidth = 3,
    };
    // Epochs come from the time: train until the time limit. Accuracy keeps rising after the validation loss turns up
    // (measured on EWT), so the last weights are kept; the learning rate halves whenever the validation loss stops falling.
    var trainerOptions = new TrainerOptions
    {
        Epochs = epochs, BatchSize = 32, LearningRate = 0.002, Seed = seed,
        ReduceOnPlateau = new ReduceLROnPlateauOptions { Factor = 0.5, Patience = 0 },
        TimeLimit = TimeSpan.FromMinutes(minutes),
    };
    var model = auto ? Search(modelOptions, trainerOptions, train, validation, minutes, seed) : new SequenceModel(modelOptions, seed);
    if (!auto)
    {
        var trainer = new SequenceTrainer(model, trainerOptions);
        var progress = new Progress(p =>
        {
            if (p.IsEpochEnd)
            {
                TrainingConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {p.Epoch}  train loss {p.Loss:F4}  validation accuracy {p.Validation?.Accuracy:F4}"));
            }
            else if (p.Step % 50 == 0)
            {
                TrainingConsole.WriteStepLine(string.Create(CultureInfo.InvariantCulture,
                    $"  step {p.Step} ({p.BatchInEpoch}/{p.BatchesPerEpoch})  loss {p.Loss:F4}  {p.TokensPerSecond:F0} tokens/s  eta {p.EstimatedTimeRemaining:hh\\:mm\\:ss}"));
            }
        });
        var result = TrainingConsole.Train("tagger", progress, p => trainer.Fit(train, validation, p));
        Console.WriteLine($"best epoch {result.BestEpoch} of {result.History.Count} in {result.Elapsed.TotalSeconds:F1} s");
        PlotFile.Save(plot, result);
    }
    // Tags unseen in training (TryGetId = -1) are not counted by the evaluator; count them as errors here.
    int unseenTags = test.Sum(e => e.StepLabels!.Count(t => t < 0));
    var evaluation = SequenceEvaluator.Evaluate(model, test);
    double accuracy = evaluation.Accuracy * evaluation.Count / (evaluation.Count + unseenTags);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"accuracy: {accuracy:F4}"));
    return 0;
}

// The search starts from the defaults (its first trial, trained first for the most epochs, as the defaults train) and
// keeps their plateau halving in every trial; the others vary the cell, size, depth, learning rate, batch, character
// input and weight averaging around them, on the same training and validation sentences. The defaults train until the
// time limit, so the first trial takes most of --minutes (measured in docs/sentiment.md's experiment section).
static SequenceModel Search(SequenceModelOptions defaults, TrainerOptions trainer, List<SequenceExample> train, List<SequenceExample> validation, double minutes, int seed)
{
    var experiment = new RecurrentExperiment(new RecurrentExperimentOptions
    {
        Model = defaults, Trainer = trainer, TimeBudget = TimeSpan.FromMinutes(minutes), Seed = seed, MaxTrials = 6, MinEpochs = 2,
        MaxEpochs = trainer.Epochs, ReductionFactor = 3, RefitOnAllData = false, EarlyStoppingPatience = 3,
        SearchSpace = RecurrentSearchSpace.ForTask(SequenceTask.Tagging) with
        {
            Cells = [RecurrentCellKind.Lstm, RecurrentCellKind.Gru], HiddenSizes = [128, 192, 256], NumLayers = [1, 2], Bidirectional = [true],
            EmbeddingSizes = [defaults.EmbeddingSize], MaxDropout = 0.4, MinLearningRate = 1e-3, MaxLearningRate = 4e-3, BatchSizes = [32, 64], ClipGradientNorms = [5],
            CharacterAwareWords = [true, false], AveragingDecays = [0, 0.99], DropoutScales = [1],
        },
    });
    var result = TrainingConsole.Search("model search", TimeSpan.FromMinutes(minutes),
        new Progress<TrialResult>(t => TrainingConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trial {t.TrialId} (rung {t.Rung}): {t.Metric:F4} after {t.EpochsTrained} epochs  {t.Settings}"))),
        p => experiment.Run(train, validation, p));
    Console.WriteLine(result.FormatLeaderboard(6));
    return result.BestModel;
}

static List<(string[] Tokens, string[] Tags)> ReadTagged(string path)
{
    var sentences = new List<(string[], string[])>();
    var tokens = new List<string>();
    var tags = new List<string>();
    void Flush()
    {
        if (tokens.Count > 0)
        {
            sentences.Add((tokens.ToArray(), tags.ToArray()));
            tokens.Clear();
            tags.Clear();
        }
    }
    string[] lines = ExampleFiles.ReadLines(path);
    for (int i = 0; i < lines.Length; i++)
    {
        string line = lines[i];
        if (string.IsNullOrWhiteSpace(line))
        {
            Flush();
            continue;
        }
        int tab = line.LastIndexOf('\t');
        if (tab <= 0 || tab == line.Length - 1)
        {
            throw InputFileException.For(path, $"line {i + 1} is not 'token<TAB>tag' (a blank line separates sentences)");
        }
        tokens.Add(line[..tab]);
        tags.Add(line[(tab + 1)..]);
    }
    Flush();
    if (sentences.Count == 0)
    {
        throw InputFileException.For(path, "has no tagged tokens; expected 'token<TAB>tag' lines");
    }
    return sentences;
}

internal sealed class Progress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => action(value);
}
