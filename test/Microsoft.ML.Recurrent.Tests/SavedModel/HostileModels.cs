using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.SavedModel;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.PluginTests.SavedModel;

/// <summary>
/// Builds saved ML.NET models around any model file (untrained, hand-made or tampered), through the plugin's own chain
/// builder, so a test can put any model into any task's slot and load the .zip with plain <c>mlContext.Model.Load</c>.
/// </summary>
internal static class HostileModels
{
    /// <summary>Every slot (mapping contract) a saved model can put its model file into.</summary>
    public static readonly string[] Slots = ["binary", "binary-tokens", "multiclass", "multiclass-tokens", "series", "language-model", "tagger", "featurizer"];

    /// <summary>Every kind of model the plugin saves.</summary>
    public static readonly string[] ModelKinds = ["binary", "multiclass", "series", "language-model", "tagger"];

    private static readonly string[] _words = ["the", "good", "bad", "film", "was", "very"];

    public sealed class Row
    {
        public string Text { get; set; } = "";

        [VectorType]
        public string[] Words { get; set; } = [];

        [VectorType]
        public float[] Series { get; set; } = [];
    }

    /// <summary>The layout of a slot; the multiclass slots have the classes "a", "b" and "c".</summary>
    public static SavedModelLayout Layout(string slot) => slot switch
    {
        "binary" => new(SavedModelTask.BinaryClassification, "Text"),
        "binary-tokens" => new(SavedModelTask.BinaryClassification, "Tokens") { TokenKeys = true },
        "multiclass" => new(SavedModelTask.MulticlassClassification, "Text") { ClassNames = ["a", "b", "c"] },
        "multiclass-tokens" => new(SavedModelTask.MulticlassClassification, "Tokens") { TokenKeys = true, ClassNames = ["a", "b", "c"] },
        "series" => new(SavedModelTask.SeriesRegression, "Series"),
        "language-model" => new(SavedModelTask.LanguageModel, "Text"),
        "tagger" => new(SavedModelTask.SequenceTagging, "Words"),
        "featurizer" => new(SavedModelTask.TextFeaturizing, "Text") { FeatureSize = 16, OutputColumn = "Features" },
        _ => throw new ArgumentOutOfRangeException(nameof(slot), slot, "unknown slot"),
    };

    /// <summary>One row with a text, its words (also as a key vector "Tokens") and a short series.</summary>
    public static IDataView Input(MLContext ml, string text = "the good film was very good")
    {
        var rows = new[] { new Row { Text = text, Words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries), Series = [0.5f, 1.5f, -2f, 3f] } };
        var data = ml.Data.LoadFromEnumerable(rows);
        return ml.Transforms.Conversion.MapValueToKey("Tokens", "Words", keyData: ml.Data.LoadFromEnumerable(_words.Select(w => new KeyWord { Word = w })))
            .Fit(data).Transform(data);
    }

    /// <summary>An untrained model file of a kind, with the numbers and task name the plugin saves.</summary>
    public static RecurrentModelFile Bundle(string model, int classes = 3, int hiddenSize = 4, params KeyValuePair<string, double>[] numbers)
    {
        var sequencer = new TextSequencer(new WordTokenizer(), Vocabulary.Build([_words], new VocabularyOptions { SpecialTokens = SpecialTokens.Pad | SpecialTokens.Unknown }));
        var tokens = new SequenceModelOptions { VocabularySize = sequencer.Vocabulary.Count, EmbeddingSize = 3, HiddenSize = hiddenSize };
        // The numbers training writes, unless given: max_sequence_length, and a series regressor's mean and deviation.
        var stored = new Dictionary<string, double> { [BundleKeys.MaxSequenceLength] = 16 };
        if (model == "series")
        {
            stored[BundleKeys.SeriesMean] = 0.5;
            stored[BundleKeys.SeriesStd] = 2.0;
        }
        foreach (var (key, value) in numbers)
        {
            stored[key] = value;
        }
        RecurrentModelFile Make(SequenceModelOptions options, SavedModelTask task, IEnumerable<string>? names, TextSequencer? s = null) =>
            new(new SequenceModel(options, seed: 7), s, names, stored, [new(BundleKeys.Task, BundleKeys.TaskName(task))]);
        return model switch
        {
            "binary" => Make(tokens with { OutputSize = 2 }, SavedModelTask.BinaryClassification, ["False", "True"], sequencer),
            "multiclass" => Make(tokens with { OutputSize = classes }, SavedModelTask.MulticlassClassification, Enumerable.Range(0, classes).Select(i => $"c{i}"), sequencer),
            "series" => Make(new SequenceModelOptions { Task = SequenceTask.Regression, InputFeatures = 1, HiddenSize = hiddenSize, OutputSize = 1 },
                SavedModelTask.SeriesRegression, null),
            "language-model" => Make(tokens with { Task = SequenceTask.LanguageModel, Bidirectional = false }, SavedModelTask.LanguageModel, null, sequencer),
            "tagger" => Make(tokens with { Task = SequenceTask.Tagging, OutputSize = classes }, SavedModelTask.SequenceTagging, Enumerable.Range(0, classes).Select(i => $"T{i}"), sequencer),
            _ => throw new ArgumentOutOfRangeException(nameof(model), model, "unknown model"),
        };
    }

    /// <summary>The saved .zip of a slot's chain carrying <paramref name="modelText"/>, loaded back with plain ML.NET.</summary>
    public static ITransformer SaveAndLoad(MLContext ml, string slot, string modelText)
    {
        var input = Input(ml);
        var chain = SavedModelChain.Create(ml, Layout(slot), modelText).Fit(input);
        using var zip = new MemoryStream();
        ml.Model.Save(chain, input.Schema, zip);
        zip.Position = 0;
        return ml.Model.Load(zip, out _);
    }

    /// <summary>Predicts the one input row with a loaded slot and returns every number it outputs.</summary>
    public static List<float> Predict(MLContext ml, string slot, ITransformer loaded, IDataView? input = null)
    {
        var output = loaded.Transform(input ?? Input(ml));
        var values = new List<float>();
        switch (slot)
        {
            case "binary" or "binary-tokens":
                values.AddRange(output.GetColumn<float>("Score"));
                values.AddRange(output.GetColumn<float>("Probability"));
                _ = output.GetColumn<bool>("PredictedLabel").ToList();
                break;
            case "multiclass" or "multiclass-tokens":
                values.AddRange(output.GetColumn<float[]>("Score").SelectMany(v => v));
                _ = output.GetColumn<uint>("PredictedLabel").ToList();
                break;
            case "series":
                values.AddRange(output.GetColumn<float>("Score"));
                break;
            case "language-model":
                values.AddRange(output.GetColumn<float>("Probability"));
                values.AddRange(output.GetColumn<float[]>("NextTokenProbabilities").SelectMany(v => v));
                _ = output.GetColumn<string>("PredictedToken").ToList();
                break;
            case "tagger":
                _ = output.GetColumn<string[]>("PredictedTags").ToList();
                break;
            case "featurizer":
                values.AddRange(output.GetColumn<float[]>("Features").SelectMany(v => v));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(slot), slot, "unknown slot");
        }
        return values;
    }

    /// <summary>The InvalidDataException that <paramref name="e"/> is or wraps (ML.NET may wrap a mapping's exception), or null.</summary>
    public static InvalidDataException? FindInvalidData(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is InvalidDataException invalid)
            {
                return invalid;
            }
        }
        return null;
    }

    /// <summary>
    /// Saves, loads and predicts on a worker thread, failing the test if that does not end within a minute (a hang; the
    /// thread is left behind), and returns the outputs.
    /// </summary>
    public static List<float> PredictWithinAMinute(MLContext ml, string slot, string modelText, string label)
    {
        var work = Task.Run(() => Predict(ml, slot, SaveAndLoad(ml, slot, modelText)));
        try
        {
            if (!work.Wait(TimeSpan.FromMinutes(1)))
            {
                Assert.Fail($"{label}: no answer within a minute (a hang)");
            }
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
        return work.Result;
    }

    /// <summary>Runs the save, load and prediction; returns the InvalidDataException it ended with (possibly wrapped), or the outputs.</summary>
    public static (InvalidDataException? Refused, List<float>? Outputs) Try(MLContext ml, string slot, string modelText)
    {
        try
        {
            return (null, PredictWithinAMinute(ml, slot, modelText, slot));
        }
        catch (Exception e) when (FindInvalidData(e) is { } invalid)
        {
            return (invalid, null);
        }
    }

    private sealed class KeyWord
    {
        public string Word { get; set; } = "";
    }
}
