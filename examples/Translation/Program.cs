// Translation: an attention encoder-decoder translates English to French (Tatoeba pairs), scored by corpus BLEU-4.
//   dotnet run -c Release --project examples/Translation -- --train ../shared/data/tatoeba-eng-fra/eng-fra-train.tsv
// Files: "English TAB French" per line; one English sentence may have several lines, one per translation. Every 50th
// distinct English sentence (with all its translations) is held out (TranslationText.Split); the rest trains. Tokens
// are lower-cased words split as sacreBLEU's 13a tokenizer splits them (TranslationText.Tokenize). With no arguments it
// trains briefly on a small sample shipped in its Data folder. A missing or malformed file ends with exit code 2 and one line.
// Last line: "bleu: X", corpus BLEU-4 (0..100) of the held-out sentences against all their translations (Bleu.Corpus).
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Recurrent.Seq2Seq;
using Microsoft.ML.Recurrent.Text;
using Microsoft.ML.Recurrent.Training;

var trainOption = new Option<FileInfo?>("--train") { Description = "pair file: English<TAB>French lines (every 50th English sentence is held out for BLEU)" };
var minutesOption = new Option<double>("--minutes") { Description = "training time limit in minutes", DefaultValueFactory = _ => 10 };
var epochsOption = new Option<int>("--epochs") { Description = "most training epochs", DefaultValueFactory = _ => 20 };
var hiddenOption = new Option<int>("--hidden") { Description = "hidden size of the decoder (each encoder direction has half)", DefaultValueFactory = _ => 256 };
var vocabularyOption = new Option<int>("--vocabulary") { Description = "most words on each side (the rest are <unk>)", DefaultValueFactory = _ => 8000 };
var beamOption = new Option<int>("--beam") { Description = "beam width of decoding", DefaultValueFactory = _ => 5 };
var examplesOption = new Option<int>("--examples") { Description = "held-out sentences printed with their attention", DefaultValueFactory = _ => 3 };
var modelOption = new Option<FileInfo?>("--model") { Description = "where to save the model (default artifacts/Translation/eng-fra.s2smodel)" };
var loadOption = new Option<FileInfo?>("--load") { Description = "load this model instead of training (BLEU is still measured on the held-out part of --train)" };
var interactiveOption = new Option<bool>("--interactive") { Description = "then translate sentences typed on standard input" };
var seedOption = new Option<int>("--seed") { Description = "random seed", DefaultValueFactory = _ => 1 };
var plotOption = PlotFile.CreateOption();
var root = new RootCommand("Train an attention encoder-decoder to translate English to French and report corpus BLEU on held-out sentences.")
{
    trainOption, minutesOption, epochsOption, hiddenOption, vocabularyOption, beamOption, examplesOption, modelOption, loadOption,
    interactiveOption, seedOption, plotOption,
};
root.SetAction(r => ExampleFiles.Run(() => Translate.Run(new Settings(r.GetValue(trainOption), r.GetValue(minutesOption), r.GetValue(epochsOption),
    r.GetValue(hiddenOption), r.GetValue(vocabularyOption), r.GetValue(beamOption), r.GetValue(examplesOption), r.GetValue(modelOption),
    r.GetValue(loadOption), r.GetValue(interactiveOption), r.GetValue(seedOption), r.GetValue(plotOption)))));
return root.Parse(args).Invoke();

internal sealed record Settings(FileInfo? Train, double Minutes, int Epochs, int Hidden, int VocabularySize, int Beam, int Examples,
    FileInfo? Model, FileInfo? Load, bool Interactive, int Seed, FileInfo? Plot);

internal static class Translate
{
    public static int Run(Settings s)
    {
        bool sample = s.Train is null;
        string trainPath = s.Train?.FullName ?? ExampleFiles.Sample("sample-eng-fra.tsv");
        string modelPath = s.Model?.FullName ?? ExampleFiles.DefaultOutput("Translation", "eng-fra.s2smodel");
        if (s.Model is not null)
        {
            ExampleFiles.PrepareOutput(modelPath);
        }
        PlotFile.Prepare(s.Plot);
        var (train, heldOut) = TranslationText.Split(TranslationText.Read(trainPath));
        Seq2SeqModel model;
        if (s.Load is not null)
        {
            try
            {
                model = Seq2SeqModel.Load(s.Load.FullName);
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                throw InputFileException.For(s.Load.FullName, $"cannot be loaded: {InputFileException.OneLine(e.Message)}", e);
            }
        }
        else
        {
            model = Train(train, heldOut, sample ? s with { Minutes = Math.Min(s.Minutes, 0.5), Hidden = 64, Epochs = Math.Max(s.Epochs, 30) } : s);
            model.Save(modelPath);
            Console.WriteLine($"saved {modelPath}");
        }
        var decode = new Seq2SeqDecodeOptions { BeamWidth = s.Beam };
        if (s.Interactive)
        {
            Console.WriteLine("Type an English sentence per line (an empty line ends):");
            while (Console.ReadLine() is { Length: > 0 } line)
            {
                Console.WriteLine(string.Join(' ', Translator.Translate(model, TranslationText.Tokenize(line), decode).Words));
            }
        }
        if (heldOut.Count > 0)
        {
            Evaluate(model, TranslationText.Group(heldOut), decode, s.Examples);
        }
        return 0;
    }

    private static Seq2SeqModel Train(List<(string English, string French)> trainPairs, List<(string English, string French)> heldOutPairs, Settings s)
    {
        var train = trainPairs.Select(p => (English: TranslationText.Tokenize(p.English), French: TranslationText.Tokenize(p.French))).ToList();
        // Words seen once are left out (and at most --vocabulary kept), so <unk> is trained on rare words and serves unseen ones.
        var english = Vocabulary.Build(train.Select(p => p.English), new VocabularyOptions { MinCount = 2, MaxSize = s.VocabularySize, SpecialTokens = SpecialTokens.Unknown });
        var french = Vocabulary.Build(train.Select(p => p.French), new VocabularyOptions
        {
            MinCount = 2, MaxSize = s.VocabularySize, SpecialTokens = SpecialTokens.Unknown | SpecialTokens.BeginOfSequence | SpecialTokens.EndOfSequence,
        });
        var examples = train.Select(p => new Seq2SeqExample(english.Encode(p.English), french.Encode(p.French))).ToList();
        // The held-out pairs also give the per-epoch validation loss: the best validated weights are kept.
        var validation = heldOutPairs.Select(p => new Seq2SeqExample(english.Encode(TranslationText.Tokenize(p.English)), french.Encode(TranslationText.Tokenize(p.French)))).ToList();
        Console.WriteLine($"{examples.Count} training pairs, {validation.Count} held-out pairs; {english.Count} English words, {french.Count} French words");
        var model = new Seq2SeqModel(new Seq2SeqOptions
        {
            SourceEmbeddingSize = s.Hidden / 2, TargetEmbeddingSize = s.Hidden / 2, EncoderHiddenSize = s.Hidden / 2, Bidirectional = true,
            DecoderHiddenSize = s.Hidden, Attention = AttentionKind.General, InputFeeding = true,
        }, english, french, s.Seed);
        Console.WriteLine($"{model.Parameters.Count} parameters");
        var trainer = new Seq2SeqTrainer(model, new TrainerOptions
        {
            Epochs = s.Epochs, BatchSize = 64, LearningRate = 0.002, Seed = s.Seed, ClipGradientNorm = 5,
            TimeLimit = TimeSpan.FromMinutes(s.Minutes), Schedule = new ExponentialLRSchedule(0.95),
        }, labelSmoothing: 0.1f);
        var clock = Stopwatch.StartNew();
        var progress = new Progress(p =>
        {
            if (p.IsEpochEnd)
            {
                TrainingConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {p.Epoch}  train loss {p.Loss:F4}  validation loss {p.Validation?.Loss:F4}  token accuracy {p.Validation?.Accuracy:F4}  {clock.Elapsed.TotalMinutes:F1} min"));
            }
            else if (p.Step % 200 == 0)
            {
                TrainingConsole.WriteStepLine(string.Create(CultureInfo.InvariantCulture,
                    $"  step {p.Step} ({p.BatchInEpoch}/{p.BatchesPerEpoch})  loss {p.Loss:F4}  {p.TokensPerSecond:F0} tokens/s"));
            }
        });
        var result = TrainingConsole.Train("translation", progress, p => trainer.Fit(examples, validation.Count > 0 ? validation : null, p));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trained {result.Steps} steps, {result.History.Count} epochs in {result.Elapsed.TotalMinutes:F1} min; best epoch {result.BestEpoch}"));
        PlotFile.Save(s.Plot, result);
        return model;
    }

    private static void Evaluate(Seq2SeqModel model, List<(string English, List<string[]> References)> groups, Seq2SeqDecodeOptions decode, int examples)
    {
        var clock = Stopwatch.StartNew();
        var sources = groups.Select(g => TranslationText.Tokenize(g.English)).ToArray();
        var outputs = new (string[] Words, float[][] Attention)[groups.Count];
        // Decoding may run on several threads at once (one sentence each).
        Parallel.For(0, groups.Count, i => outputs[i] = Translator.Translate(model, sources[i], decode));
        var score = Bleu.Corpus(outputs.Select(o => o.Words).ToList(), groups.Select(g => (IReadOnlyList<string[]>)g.References).ToList());
        // A few held-out sentences of 4 to 10 words with their attention, spread over the set.
        var shown = Enumerable.Range(0, groups.Count).Where(i => sources[i].Length is >= 4 and <= 10).ToList();
        for (int k = 0; k < Math.Min(examples, shown.Count); k++)
        {
            int i = shown[k * shown.Count / Math.Max(1, examples)];
            Console.WriteLine($"{groups[i].English} -> {string.Join(' ', outputs[i].Words)}");
            Console.WriteLine($"  references: {string.Join(" | ", groups[i].References.Select(r => string.Join(' ', r)))}");
            HeatMap.Print(sources[i], [.. outputs[i].Words, "</s>"], outputs[i].Attention);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{groups.Count} held-out sentences ({groups.Sum(g => g.References.Count)} references) decoded in {clock.Elapsed.TotalSeconds:F1} s (beam {decode.BeamWidth})"));
        Console.WriteLine(score.ToString());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bleu: {score.Score:F2}"));
    }
}

internal static class Translator
{
    /// <summary>The French words for English <paramref name="words"/> (unknown words dropped from the output) and the attention.</summary>
    public static (string[] Words, float[][] Attention) Translate(Seq2SeqModel model, string[] words, Seq2SeqDecodeOptions decode)
    {
        if (words.Length == 0)
        {
            return ([], []);
        }
        var prediction = model.Decode(model.SourceVocabulary!.Encode(words), null, decode);
        return (model.TargetVocabulary.Decode(prediction.Tokens, skipSpecial: true), prediction.Attention);
    }
}

internal static class HeatMap
{
    private const string Shades = " .:-=+*#%@";

    /// <summary>Prints attention weights as a character heat map: a row per output word, a column per source word (its first 4 letters).</summary>
    public static void Print(string[] source, string[] output, float[][] attention)
    {
        Console.WriteLine("            " + string.Concat(source.Select(s => s.PadRight(4)[..4] + " ")));
        for (int i = 0; i < Math.Min(output.Length, attention.Length); i++)
        {
            Console.WriteLine("  " + output[i].PadRight(10)[..10] + string.Concat(attention[i].Select(w => $"  {Shades[Math.Clamp((int)(w * Shades.Length), 0, Shades.Length - 1)]}  ")));
        }
    }
}

internal sealed class Progress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => action(value);
}
