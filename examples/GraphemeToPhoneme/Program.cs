// Grapheme to phoneme: an attention encoder-decoder spells words out in ARPAbet phonemes (CMUdict, stress removed).
//   dotnet run -c Release --project examples/GraphemeToPhoneme -- --train ../shared/data/cmudict-g2p/train.tsv
// Files: "word TAB phonemes" per line (phonemes separated by spaces); a word may have several lines, one per correct
// pronunciation. --test defaults to dev.tsv beside the training file when there is one. With no arguments it trains
// briefly on a small sample shipped in its Data folder. A missing or malformed file ends with exit code 2 and one line.
// Last lines: "wer: X" (share of test words whose output matches none of their pronunciations) and "per: X" (phoneme
// edits to the closest pronunciation, summed over the words, divided by the summed lengths of those pronunciations).
// --auto N searches N model settings (sizes, cell, attention, learning rate, batch, label smoothing) within --minutes
// (Seq2SeqExperiment, ranked by validation loss on the held-out words) and keeps the best instead of the fixed recipe.
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Recurrent.Seq2Seq;
using Microsoft.ML.Recurrent.Text;
using Microsoft.ML.Recurrent.Training;

var trainOption = new Option<FileInfo?>("--train") { Description = "training file: word<TAB>phonemes lines" };
var testOption = new Option<FileInfo?>("--test") { Description = "test file in the same format (default: dev.tsv beside --train)" };
var minutesOption = new Option<double>("--minutes") { Description = "training time limit in minutes", DefaultValueFactory = _ => 10 };
var epochsOption = new Option<int>("--epochs") { Description = "most training epochs", DefaultValueFactory = _ => 40 };
var hiddenOption = new Option<int>("--hidden") { Description = "hidden size of the decoder (each encoder direction has half)", DefaultValueFactory = _ => 256 };
var embeddingOption = new Option<int>("--embedding") { Description = "width of the letter and phoneme embeddings", DefaultValueFactory = _ => 64 };
var batchOption = new Option<int>("--batch") { Description = "training pairs per batch", DefaultValueFactory = _ => 64 };
var rateOption = new Option<double>("--lr") { Description = "peak learning rate (Adam; warm-up, then cosine decay to the time limit)", DefaultValueFactory = _ => 0.003 };
var autoOption = new Option<int>("--auto") { Description = "instead of the recipe, search this many model settings (Seq2SeqExperiment) within --minutes and keep the best", DefaultValueFactory = _ => 0 };
var beamOption = new Option<int>("--beam") { Description = "beam width of decoding", DefaultValueFactory = _ => 5 };
var modelOption = new Option<FileInfo?>("--model") { Description = "where to save the model (default artifacts/GraphemeToPhoneme/g2p.s2smodel)" };
var loadOption = new Option<FileInfo?>("--load") { Description = "load this model instead of training" };
var interactiveOption = new Option<bool>("--interactive") { Description = "then spell out words typed on standard input" };
var seedOption = new Option<int>("--seed") { Description = "random seed", DefaultValueFactory = _ => 1 };
var root = new RootCommand("Train an attention encoder-decoder for grapheme-to-phoneme conversion and report WER and PER.")
{
    trainOption, testOption, minutesOption, epochsOption, hiddenOption, embeddingOption, batchOption, rateOption, autoOption, beamOption, modelOption, loadOption, interactiveOption, seedOption,
};
root.SetAction(r => ExampleFiles.Run(() => G2p.Run(r.GetValue(trainOption), r.GetValue(testOption), r.GetValue(minutesOption), r.GetValue(epochsOption),
    new Recipe(r.GetValue(hiddenOption), r.GetValue(embeddingOption), r.GetValue(batchOption), r.GetValue(rateOption), r.GetValue(autoOption)), r.GetValue(beamOption), r.GetValue(modelOption), r.GetValue(loadOption), r.GetValue(interactiveOption), r.GetValue(seedOption))));
return root.Parse(args).Invoke();

internal static class G2p
{
    public static int Run(FileInfo? trainFile, FileInfo? testFile, double minutes, int epochs, Recipe recipe, int beam,
        FileInfo? modelFile, FileInfo? loadFile, bool interactive, int seed)
    {
        bool sample = trainFile is null && loadFile is null;
        string? trainPath = trainFile?.FullName ?? (sample ? ExampleFiles.Sample("sample-train.tsv") : null);
        string? testPath = testFile?.FullName
            ?? (sample ? ExampleFiles.Sample("sample-test.tsv") : trainPath is null ? null : Path.Combine(Path.GetDirectoryName(trainPath)!, "dev.tsv"));
        if (testPath is not null && testFile is null && !File.Exists(testPath))
        {
            testPath = null;
        }
        string modelPath = modelFile?.FullName ?? ExampleFiles.DefaultOutput("GraphemeToPhoneme", "g2p.s2smodel");
        if (modelFile is not null)
        {
            ExampleFiles.PrepareOutput(modelPath);
        }
        var test = testPath is null ? null : Pronunciations.Read(testPath)
            .GroupBy(e => e.Word, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(e => e.Phonemes).ToList(), StringComparer.Ordinal);
        Seq2SeqModel model;
        if (loadFile is not null)
        {
            try
            {
                model = Seq2SeqModel.Load(loadFile.FullName);
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                throw InputFileException.For(loadFile.FullName, $"cannot be loaded: {InputFileException.OneLine(e.Message)}", e);
            }
        }
        else
        {
            model = Train(Pronunciations.Read(trainPath!), sample ? Math.Min(minutes, 0.5) : minutes, epochs,
                sample ? recipe with { Hidden = 64 } : recipe, seed);
            model.Save(modelPath);
            Console.WriteLine($"saved {modelPath}");
        }
        var decode = new Seq2SeqDecodeOptions { BeamWidth = beam, MaxLength = 40 };
        if (test is not null)
        {
            Evaluate(model, test, decode);
        }
        if (interactive)
        {
            Console.WriteLine("Type a word per line (an empty line ends):");
            while (Console.ReadLine() is { Length: > 0 } line)
            {
                string word = line.Trim().ToLowerInvariant();
                Console.WriteLine($"{word}\t{string.Join(' ', Spell(model, word, decode).Phonemes)}");
            }
        }
        return 0;
    }

    private static Seq2SeqModel Train(List<(string Word, string[] Phonemes)> entries, double minutes, int epochs, Recipe recipe, int seed)
    {
        int hidden = recipe.Hidden;
        var letters = Vocabulary.Build(entries.Select(e => Letters(e.Word)), new VocabularyOptions { SpecialTokens = SpecialTokens.Unknown });
        var phonemes = Vocabulary.Build(entries.Select(e => e.Phonemes), new VocabularyOptions { SpecialTokens = SpecialTokens.BeginOfSequence | SpecialTokens.EndOfSequence });
        // Hold out 2% of the words (all their pronunciations) for validation: the best validated weights are kept.
        var words = entries.Select(e => e.Word).Distinct().ToList();
        var held = words.Where((_, i) => i % 50 == 7).ToHashSet(StringComparer.Ordinal);
        Seq2SeqExample Example((string Word, string[] Phonemes) e) => new(letters.Encode(Letters(e.Word)), phonemes.Encode(e.Phonemes));
        var train = entries.Where(e => !held.Contains(e.Word)).Select(Example).ToList();
        var validation = entries.Where(e => held.Contains(e.Word)).Select(Example).ToList();
        Console.WriteLine($"{train.Count} training pairs, {validation.Count} validation pairs; {letters.Count} letters, {phonemes.Count} phonemes");
        if (recipe.AutoTrials > 0 && validation.Count > 0)
        {
            var (best, trials) = new Seq2SeqExperiment(null, recipe.AutoTrials, TimeSpan.FromMinutes(minutes), seed) { EpochsPerTrial = epochs }
                .Run(letters, phonemes, train, validation, new SyncProgress<Seq2SeqTrial>(t => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"trial: hidden {t.Options.DecoderHiddenSize} {t.Options.DecoderCell} {t.Options.Attention} embedding {t.Options.SourceEmbeddingSize} lr {t.LearningRate:G3} batch {t.BatchSize} smoothing {t.LabelSmoothing}: validation loss {t.ValidationLoss:F4} after {t.Epochs} epochs, {t.Elapsed.TotalMinutes:F1} min"))));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"best of {trials.Count} trials: validation loss {trials[0].ValidationLoss:F4}"));
            return best;
        }
        var model = new Seq2SeqModel(new Seq2SeqOptions
        {
            SourceEmbeddingSize = recipe.Embedding, TargetEmbeddingSize = recipe.Embedding, EncoderHiddenSize = hidden / 2, Bidirectional = true,
            DecoderHiddenSize = hidden, Attention = AttentionKind.General, InputFeeding = true,
        }, letters, phonemes, seed);
        Console.WriteLine($"{model.Parameters.Count} parameters");
        var trainer = new Seq2SeqTrainer(model, new TrainerOptions
        {
            Epochs = epochs, BatchSize = recipe.Batch, LearningRate = recipe.LearningRate, Seed = seed, ClipGradientNorm = 5,
            TimeLimit = TimeSpan.FromMinutes(minutes), Schedule = new TimeBudgetSchedule(TimeSpan.FromMinutes(minutes)),
        }, labelSmoothing: 0.1f);
        var clock = Stopwatch.StartNew();
        var result = trainer.Fit(train, validation.Count > 0 ? validation : null, new SyncProgress<TrainingProgress>(p =>
        {
            if (p.IsEpochEnd)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {p.Epoch}  train loss {p.Loss:F4}  validation loss {p.Validation?.Loss:F4}  token accuracy {p.Validation?.Accuracy:F4}  {clock.Elapsed.TotalMinutes:F1} min"));
            }
            else if (p.Step % 200 == 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  step {p.Step} ({p.BatchInEpoch}/{p.BatchesPerEpoch})  loss {p.Loss:F4}  lr {p.LearningRate:G3}  {p.TokensPerSecond:F0} tokens/s  {clock.Elapsed.TotalMinutes:F1} min"));
            }
        }));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trained {result.Steps} steps, {result.History.Count} epochs in {result.Elapsed.TotalMinutes:F1} min; best epoch {result.BestEpoch}"));
        return model;
    }

    private static void Evaluate(Seq2SeqModel model, Dictionary<string, List<string[]>> test, Seq2SeqDecodeOptions decode)
    {
        var clock = Stopwatch.StartNew();
        int wrong = 0, shown = 0;
        long edits = 0, length = 0;
        foreach (var (word, references) in test)
        {
            var (phonemes, attention) = Spell(model, word, decode);
            int best = int.MaxValue, bestLength = 0;
            foreach (var reference in references)
            {
                int d = EditDistance(phonemes, reference);
                if (d < best || (d == best && reference.Length < bestLength))
                {
                    (best, bestLength) = (d, reference.Length);
                }
            }
            wrong += best == 0 ? 0 : 1;
            edits += best;
            length += bestLength;
            if (shown < 3 && word.Length >= 6)
            {
                shown++;
                Console.WriteLine($"{word} -> {string.Join(' ', phonemes)} (reference {string.Join(" | ", references.Select(r => string.Join(' ', r)))})");
                HeatMap.Print(Letters(word), [.. phonemes, "</s>"], attention);
            }
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{test.Count} test words decoded in {clock.Elapsed.TotalSeconds:F1} s (beam {decode.BeamWidth})"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wer: {(double)wrong / test.Count:F4}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"per: {(double)edits / Math.Max(1, length):F4}"));
    }

    private static (string[] Phonemes, float[][] Attention) Spell(Seq2SeqModel model, string word, Seq2SeqDecodeOptions decode)
    {
        var letters = model.SourceVocabulary!;
        int[] source = letters.Encode(Letters(word));
        if (source.Length == 0)
        {
            return ([], []);
        }
        var prediction = model.Decode(source, null, decode);
        return (model.TargetVocabulary.Decode(prediction.Tokens, skipSpecial: true), prediction.Attention);
    }

    private static string[] Letters(string word) => [.. word.Select(c => c.ToString())];

    private static int EditDistance(string[] a, string[] b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}

/// <summary>The model's size and the training recipe.</summary>
internal sealed record Recipe(int Hidden, int Embedding, int Batch, double LearningRate, int AutoTrials);

internal static class Pronunciations
{
    /// <summary>The lines of a g2p file in order, as (word, phonemes).</summary>
    public static List<(string Word, string[] Phonemes)> Read(string path)
    {
        var entries = new List<(string, string[])>();
        string[] lines = ExampleFiles.ReadLines(path);
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }
            string[] parts = lines[i].Split('\t');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Trim().Length == 0)
            {
                throw InputFileException.For(path, $"line {i + 1} is not 'word<TAB>phonemes'");
            }
            entries.Add((parts[0].ToLowerInvariant(), parts[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        }
        if (entries.Count == 0)
        {
            throw InputFileException.For(path, "has no pronunciations; expected 'word<TAB>phonemes' lines");
        }
        return entries;
    }
}

internal static class HeatMap
{
    private const string Shades = " .:-=+*#%@";

    /// <summary>Prints attention weights as a character heat map: a row per output token, a column per source token.</summary>
    public static void Print(string[] source, string[] output, float[][] attention)
    {
        Console.WriteLine("      " + string.Concat(source.Select(s => s.PadRight(2)[..2])));
        for (int i = 0; i < Math.Min(output.Length, attention.Length); i++)
        {
            var row = attention[i];
            Console.WriteLine(output[i].PadRight(6)[..6] + string.Concat(row.Select(w => Shades[Math.Clamp((int)(w * Shades.Length), 0, Shades.Length - 1)] + " ")));
        }
    }
}

internal sealed class SyncProgress<T>(Action<T> action) : IProgress<T>
{
    public void Report(T value) => action(value);
}
