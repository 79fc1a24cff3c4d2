using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Recurrent;

/// <summary>
/// Pretraining in an ML.NET pipeline (--pretrain): a word language model learns English from unlabelled text files, then
/// its word vectors feed the sentiment classifier (RecurrentTextBinaryTrainer.Options.PretrainedLanguageModel with
/// PretrainedWordVectors); --fine-tune-set PretrainedWordVectors=false,... fine-tunes its whole encoder instead (ULMFiT).
/// </summary>
internal static class Pretraining
{
    /// <summary>
    /// The language model's sizes: one embedding, two LSTM layers, words seen 5 times (the softmax over the vocabulary
    /// is most of a step's cost; the classifier adds its own training words to the vocabulary when it fine-tunes).
    /// </summary>
    public const int EmbeddingSize = 128, HiddenSize = 128, Layers = 2, MinTokenCount = 5;

    /// <summary>
    /// Unlabelled sentences: from a .conllu file the FORM column of each sentence; from any other file the text before
    /// the first TAB of each non-blank line (the English side of tatoeba-eng-fra, the sentences of a TSV).
    /// </summary>
    public static List<string> ReadTexts(IEnumerable<string> files)
    {
        var texts = new List<string>();
        foreach (string file in files)
        {
            string[] lines = ExampleFiles.ReadLines(file);
            if (file.EndsWith(".conllu", StringComparison.OrdinalIgnoreCase))
            {
                var words = new List<string>();
                foreach (string line in lines.Append(""))
                {
                    if (line.Length == 0 && words.Count > 0)
                    {
                        texts.Add(string.Join(' ', words));
                        words.Clear();
                    }
                    else if (line.Length > 0 && char.IsAsciiDigit(line[0]) && line.Split('\t') is { Length: > 1 } fields && !fields[0].Contains('-', StringComparison.Ordinal) && !fields[0].Contains('.', StringComparison.Ordinal))
                    {
                        words.Add(fields[1]);
                    }
                }
                continue;
            }
            texts.AddRange(lines.Where(l => !string.IsNullOrWhiteSpace(l)).Select(l => l.Split('\t')[0]));
        }
        // Tatoeba lists an English sentence once per French translation: a repeat teaches nothing new.
        return texts.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Loads the language model from <paramref name="zipPath"/> when it exists, else trains it on the texts (with
    /// <paramref name="tieWeights"/>, its embedding is its output layer) and saves it there.
    /// </summary>
    public static ITransformer LanguageModel(MLContext ml, Func<List<string>> readTexts, string zipPath, int epochs, double minutes, bool tieWeights, int seed)
    {
        if (File.Exists(zipPath))
        {
            Console.WriteLine($"language model: loaded from {zipPath} (delete it to pretrain again{(tieWeights ? "; --tie-weights applies to a new one only" : "")})");
            return ml.Model.Load(zipPath, out _);
        }
        var texts = readTexts();
        var data = ml.Data.LoadFromEnumerable(texts.Select(t => new TextRow { Text = t }));
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var lm = ml.Transforms.Text.RecurrentLanguageModel(new RecurrentLanguageModelEstimator.Options
        {
            TextColumnName = "Text", WordTokens = true, MinTokenCount = MinTokenCount, EmbeddingSize = EmbeddingSize, HiddenSize = HiddenSize, TieWeights = tieWeights,
            NumLayers = Layers, Dropout = 0.1f, Epochs = epochs, BatchSize = 64, LearningRate = 3e-3, MaxSequenceLength = 64, Seed = seed,
            ValidationFraction = 0.02, TimeLimit = TimeSpan.FromMinutes(minutes),
            Progress = new Progress(p =>
            {
                if (p.IsEpochEnd)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"language model epoch {p.Epoch}: train loss {p.Loss:F4}, validation {p.Validation?.Loss:F4} nats/word ({clock.Elapsed.TotalMinutes:F1} min)"));
                }
            }),
        }).Fit(data);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"language model: {texts.Count:N0} sentences, vocabulary {lm.Model.Sequencer!.Vocabulary.Count:N0}, {lm.TrainingResult.History.Count} epochs ({lm.TrainingResult.Steps:N0} steps, best validation {lm.TrainingResult.History.Where(e => e.Validation is not null).Select(e => e.Validation!.Loss).DefaultIfEmpty(double.NaN).Min():F4} nats/word), pretrained in {clock.Elapsed.TotalMinutes:F1} min ({(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMinutes:F1} min of CPU: on a busy machine far less than twice the time)"));
        ExampleFiles.PrepareOutput(zipPath);
        ml.Model.Save(lm, data.Schema, zipPath);
        return lm;
    }

    /// <summary>
    /// Trains the classifier on the labelled rows with the language model's word vectors (the rows of its output layer,
    /// frozen) under the defaults' own encoder and n-gram ensemble (PretrainedWordVectors): measured in docs/sentiment.md
    /// against fine-tuning the language model's whole encoder (ULMFiT), which <paramref name="set"/> still reaches:
    /// <c>PretrainedWordVectors=false,Pooling=Concat,Dropout=0.3,LearningRate=0.01</c>.
    /// </summary>
    public static RecurrentModelTransformer FineTune(MLContext ml, IDataView train, ITransformer languageModel, int epochs, int hidden, int seed, string? set, IProgress<Microsoft.ML.Recurrent.Training.TrainingProgress>? progress) =>
        ml.BinaryClassification.Trainers.RecurrentTextClassifier(SentimentBenchmark.Override(new RecurrentTextBinaryTrainer.Options
        {
            LabelColumnName = "Label", TextColumnName = "Text", PretrainedLanguageModel = languageModel, PretrainedWordVectors = true,
            HiddenSize = hidden, Epochs = epochs, Seed = seed, Progress = progress, OutputAttributions = true,
        }, set)).Fit(train);

    private sealed class TextRow
    {
        public string Text { get; set; } = "";
    }
}
