using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Recurrent;
using Microsoft.ML.Recurrent.Explainability;

/// <summary>What the classifier's attribution columns hold (added with OutputAttributions = true).</summary>
public sealed class ExplainedPrediction
{
    public float Probability { get; set; }

    public string[] AttributionTokens { get; set; } = [];

    public float[] Attributions { get; set; } = [];
}

/// <summary>
/// Prints, for a few sentences, the words that pushed the prediction most towards positive and towards negative
/// (integrated gradients), with the sentence shaded word by word in a terminal and plain when output is redirected.
/// </summary>
internal static class Explanations
{
    // ANSI 256-colour backgrounds by strength 1..4: light to strong green (positive) and red (negative).
    private static readonly int[] Greens = [0, 194, 156, 114, 34];
    private static readonly int[] Reds = [0, 224, 217, 210, 196];

    public static void Print(MLContext mlContext, ITransformer model, IEnumerable<string> sentences)
    {
        // A model --auto found may read characters, which integrated gradients do not cover yet.
        if (RecurrentModels.FromTransformer(model).Model.Options.UsesCharacters)
        {
            Console.WriteLine("  (no explanations: integrated gradients are not yet available for a character-aware model)");
            return;
        }
        var explained = ReadAttributions(mlContext, model, sentences);
        bool colour = !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null;
        foreach (var (sentence, p) in sentences.Zip(explained))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  explained ({p.Probability:F3} positive): {Shade(p, colour)}"));
            var ranked = p.AttributionTokens.Zip(p.Attributions).ToList();
            Console.WriteLine($"    top positive: {Top(ranked.Where(w => w.Second > 0).OrderByDescending(w => w.Second))}");
            Console.WriteLine($"    top negative: {Top(ranked.Where(w => w.Second < 0).OrderBy(w => w.Second))}");
        }
    }

    // The model's own columns when it has them; otherwise (e.g. a model found by --auto) the same explainer from Core.
    private static List<ExplainedPrediction> ReadAttributions(MLContext mlContext, ITransformer model, IEnumerable<string> sentences)
    {
        var data = mlContext.Data.LoadFromEnumerable(sentences.Select(s => new SentimentRow { Text = s }));
        var output = model.Transform(data);
        if (output.Schema.GetColumnOrNull("Attributions") is not null)
        {
            return mlContext.Data.CreateEnumerable<ExplainedPrediction>(output, reuseRowObject: false).ToList();
        }
        var bundle = RecurrentModels.FromTransformer(model);
        var explainer = new IntegratedGradients(bundle.Model);
        var probabilities = output.GetColumn<float>("Probability").ToList();
        return sentences.Zip(probabilities).Select(s =>
        {
            var a = explainer.Explain(bundle.Sequencer!, s.First, targetClass: 1);
            return new ExplainedPrediction { Probability = s.Second, AttributionTokens = [.. a.Tokens!], Attributions = [.. a.Values] };
        }).ToList();
    }

    private static string Top(IEnumerable<(string Word, float Value)> words)
    {
        var top = words.Take(3).Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.Word} ({w.Value:+0.00;-0.00})")).ToList();
        return top.Count == 0 ? "(none)" : string.Join(", ", top);
    }

    // Green for words that push towards positive, red towards negative; the stronger, the brighter (ANSI 256 colours).
    private static string Shade(ExplainedPrediction p, bool colour)
    {
        if (!colour)
        {
            return string.Join(' ', p.AttributionTokens);
        }
        float scale = p.Attributions.Length == 0 ? 1 : Math.Max(1e-6f, p.Attributions.Max(Math.Abs));
        return string.Join(' ', p.AttributionTokens.Zip(p.Attributions).Select(w =>
        {
            int level = (int)Math.Round(Math.Abs(w.Second) / scale * 4); // 0..4
            if (level == 0)
            {
                return w.First;
            }
            int code = w.Second > 0 ? Greens[level] : Reds[level];
            return $"\u001b[48;5;{code}m\u001b[30m{w.First}\u001b[0m";
        }));
    }
}

/// <summary>--check FILE: the drift report of new sentences against the model's training data.</summary>
internal static class DriftPrinter
{
    public static void Print(MLContext mlContext, ITransformer model, string path)
    {
        // One sentence per line, optionally followed by a tab and a label (a sentiment file works as it is).
        var rows = ExampleFiles.ReadLines(path).Where(l => !string.IsNullOrWhiteSpace(l)).Select(l => new SentimentRow { Text = l.Split('\t')[0] }).ToList();
        if (rows.Count == 0)
        {
            throw InputFileException.For(path, "it has no sentences to check");
        }
        var report = RecurrentModels.CheckDrift(model, mlContext.Data.LoadFromEnumerable(rows), "Text");
        Console.WriteLine($"drift check of {rows.Count} sentences from {path}:");
        foreach (var metric in report.Metrics)
        {
            Console.WriteLine($"  {metric}");
        }
        Console.WriteLine(report.HasWarnings ? "drift: WARNING, the new data differs from the training data" : report.IsRecorded ? "drift: none beyond the thresholds" : "drift: not recorded in this model");
    }
}
