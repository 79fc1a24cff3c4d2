using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Recurrent;

namespace WebApi;

/// <summary>
/// Makes the sample models served when no model path is given: a tiny sentiment classifier trained on
/// SampleModels/sentiment-sample.tsv (80 restaurant reviews, "label TAB text") and a tiny character language model
/// trained on SampleModels/language-sample.txt (20 short sentences), both with small settings so the .zip files stay
/// small. The classifier writes attributions (for the page's shaded words). Run: <c>dotnet run -c Release --project examples/WebApi -- --make-sample-models examples/WebApi/SampleModels</c>.
/// </summary>
public static class SampleModelTrainer
{
    /// <summary>The sentiment sample's file name.</summary>
    public const string SentimentData = "sentiment-sample.tsv";

    /// <summary>The language sample's file name.</summary>
    public const string LanguageData = "language-sample.txt";

    /// <summary>Trains both models from the samples in <paramref name="folder"/> and saves them there; 0 on success, 2 on bad data.</summary>
    /// <param name="folder">The folder with the sample data, where the .zip files are written.</param>
    public static int Run(string folder)
    {
        try
        {
            var (sentiment, language) = Train(folder, folder);
            Console.WriteLine($"wrote {sentiment} ({new FileInfo(sentiment).Length:N0} bytes) and {language} ({new FileInfo(language).Length:N0} bytes)");
            return 0;
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
    }

    /// <summary>Trains both models from the samples in <paramref name="dataFolder"/> and saves them to <paramref name="outputFolder"/>.</summary>
    /// <param name="dataFolder">The folder with <see cref="SentimentData"/> and <see cref="LanguageData"/>.</param>
    /// <param name="outputFolder">Where sentiment.zip and language-model.zip are written (atomically).</param>
    /// <returns>The paths of the two .zip files.</returns>
    /// <exception cref="InvalidDataException">A sample file is missing or has a bad line.</exception>
    public static (string Sentiment, string LanguageModel) Train(string dataFolder, string outputFolder)
    {
        var ml = new MLContext(1);
        Directory.CreateDirectory(outputFolder);

        var reviews = ml.Data.LoadFromEnumerable(ReadReviews(Path.Combine(dataFolder, SentimentData)));
        var classifier = ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options
        {
            Epochs = 30, HiddenSize = 12, EmbeddingSize = 12, BatchSize = 8, Seed = 1, OutputAttributions = true,
            // 80 reviews are too few to hold 10% out for early stopping and calibration: train on all of them.
            ValidationFraction = 0, EarlyStoppingPatience = null, CalibrateProbabilities = false,
            // One model, as the committed sample was trained: a service's latency is one forward pass a row.
            EnsembleSize = 1,
        }).Fit(reviews);
        string sentiment = Path.Combine(outputFolder, "sentiment.zip");
        ml.Model.SaveAtomically(classifier, reviews.Schema, sentiment);

        var lines = ml.Data.LoadFromEnumerable(ReadLines(Path.Combine(dataFolder, LanguageData)));
        var languageModel = ml.Transforms.Text.RecurrentLanguageModel(new RecurrentLanguageModelEstimator.Options
        {
            Epochs = 80, HiddenSize = 32, EmbeddingSize = 12, BatchSize = 4, LearningRate = 0.01, Seed = 1,
        }).Fit(lines);
        string language = Path.Combine(outputFolder, "language-model.zip");
        ml.Model.SaveAtomically(languageModel, lines.Schema, language);
        return (sentiment, language);
    }

    private static List<Review> ReadReviews(string path)
    {
        var reviews = new List<Review>();
        int number = 0;
        foreach (string line in ReadAll(path))
        {
            number++;
            string[] parts = line.Split('\t');
            if (parts.Length != 2 || !bool.TryParse(parts[0], out bool label))
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path}: line {number} is not \"true|false<TAB>text\"."));
            }
            reviews.Add(new Review { Label = label, Text = parts[1] });
        }
        return reviews;
    }

    private static List<SampleLine> ReadLines(string path) =>
        ReadAll(path).Where(l => l.Length > 0).Select(l => new SampleLine { Text = l }).ToList();

    private static string[] ReadAll(string path) => File.Exists(path)
        ? File.ReadAllLines(path)
        : throw new InvalidDataException($"{path}: the sample file does not exist.");

    private sealed class Review
    {
        public bool Label { get; set; }

        public string Text { get; set; } = "";
    }

    private sealed class SampleLine
    {
        public string Text { get; set; } = "";
    }
}
