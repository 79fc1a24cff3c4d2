using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Explainability;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.Tests.Explainability;

/// <summary>
/// Drift warnings: the training profile survives the model file and is validated on load; a file without one reports
/// "not recorded"; the warnings fire on shifted data and stay silent on held-out data of the training domain.
/// </summary>
[TestClass]
public sealed class DriftCheckTests
{
    [TestMethod]
    public void FromModel_SavedAndLoaded_KeepsTheProfile()
    {
        var (file, _) = TextModel(TrainingTexts(), maxLength: 6);
        var loaded = RecurrentModelFile.FromBytes(file.ToBytes());
        var expected = DataProfile.FromModel(file)!;
        var actual = DataProfile.FromModel(loaded)!;
        CollectionAssert.AreEqual(expected.ToNumbers().ToList(), actual.ToNumbers().ToList());
        Assert.AreEqual(40, actual.Rows);
        Assert.AreEqual(1.0, actual.LengthShares.Sum(), 1e-12);
    }

    [TestMethod]
    [DataRow("drift_unknown_share", 1.5, "a share from 0 to 1")]
    [DataRow("drift_rows", 0.5, "a whole number from 1")]
    [DataRow("drift_length_bin_03", 0.9, "must sum to 1")]
    [DataRow("drift_max_length", -3.0, "a whole number from 1")]
    public void FromBytes_ProfileNumberOutOfRange_ThrowsNamingIt(string key, double value, string allowed)
    {
        var (file, sequencer) = TextModel(TrainingTexts(), maxLength: 6);
        var numbers = file.NumericMetadata.ToDictionary(p => p.Key, p => p.Key == key ? value : p.Value);
        var bad = new RecurrentModelFile(file.Model, sequencer, file.LabelNames, numbers);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => RecurrentModelFile.FromBytes(bad.ToBytes()));
        StringAssert.Contains(e.Message, key.StartsWith("drift_length_bin", StringComparison.Ordinal) ? "drift_length_bin_00" : key);
        StringAssert.Contains(e.Message, allowed);
    }

    [TestMethod]
    public void FromBytes_ProfileWithoutRows_Throws()
    {
        var (file, sequencer) = TextModel(TrainingTexts(), maxLength: 6);
        var numbers = file.NumericMetadata.Where(p => p.Key != "drift_rows");
        var e = Assert.ThrowsExactly<InvalidDataException>(() => RecurrentModelFile.FromBytes(new RecurrentModelFile(file.Model, sequencer, null, numbers).ToBytes()));
        StringAssert.Contains(e.Message, "drift_rows");
    }

    [TestMethod]
    public void CheckTexts_ModelWithoutProfile_ReportsNotRecordedAndNoWarning()
    {
        var (file, sequencer) = TextModel(TrainingTexts(), maxLength: 6);
        var old = new RecurrentModelFile(file.Model, sequencer);
        var report = DriftCheck.CheckTexts(old, ["zzz qqq www", "good"]);
        Assert.IsFalse(report.IsRecorded);
        Assert.IsFalse(report.HasWarnings);
        Assert.IsTrue(report.Metrics.All(m => m.Status == DriftStatus.NotRecorded), report.ToString());
        Assert.AreEqual(0.75, report.Metrics[0].Value, 1e-12, "the new data's own unknown share is still measured");
        StringAssert.Contains(report.ToString(), "not recorded");
    }

    [TestMethod]
    public void CheckTexts_SameSource_NoWarning_OtherWordsAndLengths_Warn()
    {
        var (file, _) = TextModel(TrainingTexts(), maxLength: 6);
        var same = DriftCheck.CheckTexts(file, TrainingTexts());
        Assert.IsFalse(same.HasWarnings, same.ToString());
        var shifted = DriftCheck.CheckTexts(file, Enumerable.Range(0, 60).Select(i => string.Join(' ', Enumerable.Repeat($"novel{i % 7}", 9 + i % 5))));
        Assert.AreEqual(DriftStatus.Warning, Status(shifted, "unknown-token share"), shifted.ToString());
        Assert.AreEqual(DriftStatus.Warning, Status(shifted, "truncated-row share"), shifted.ToString());
        Assert.AreEqual(DriftStatus.Warning, Status(shifted, "length shift (PSI)"), shifted.ToString());
    }

    [TestMethod]
    public void CheckSeries_ValuesOutsideTrainingRange_Warn()
    {
        var model = new SequenceModel(new SequenceModelOptions { Task = SequenceTask.Regression, InputFeatures = 1, OutputSize = 1, HiddenSize = 2 });
        var train = Enumerable.Range(0, 60).Select(i => Enumerable.Range(0, 12).Select(j => (float)Math.Sin(i + j)).ToArray()).ToList();
        var file = new RecurrentModelFile(model, numericMetadata: DataProfile.FromSeries(train, 12).ToNumbers());
        Assert.IsFalse(DriftCheck.CheckSeries(file, train).HasWarnings);
        var shifted = DriftCheck.CheckSeries(file, train.Select(s => s.Select(v => v * 3).ToArray()));
        Assert.AreEqual(DriftStatus.Warning, Status(shifted, "values outside the training range"), shifted.ToString());
        Assert.AreEqual(DriftStatus.Ok, Status(shifted, "length shift (PSI)"));
    }

    [TestMethod]
    public void StabilityIndex_SameHistogram_IsZero_Disjoint_IsLarge()
    {
        double[] a = [0.5, 0.5, 0], b = [0, 0, 1];
        Assert.AreEqual(0, DriftCheck.StabilityIndex(a, a), 1e-12);
        Assert.IsTrue(DriftCheck.StabilityIndex(a, b) > 5);
    }

    [TestMethod]
    public void CheckTexts_RealData_SilentOnHeldOutYelp_WarnsOnWikipediaComments()
    {
        string yelp = SharedData.RequireFile("uci-sentiment-sentences/yelp_labelled.txt");
        string wiki = SharedData.RequireFile("wikipedia-detox/wikipedia-detox-250-line-data.tsv");
        string[] sentences = File.ReadAllLines(yelp).Select(l => l.Split('\t')[0]).ToArray();
        var (file, _) = TextModel(sentences[..800], maxLength: 32);
        var heldOut = DriftCheck.CheckTexts(file, sentences[800..]);
        var comments = DriftCheck.CheckTexts(file, File.ReadAllLines(wiki).Skip(1).Select(l => l[(l.IndexOf('\t') + 1)..]));
        Console.WriteLine($"held-out yelp:\n{heldOut}\nwikipedia comments:\n{comments}");
        Assert.IsFalse(heldOut.HasWarnings, heldOut.ToString());
        Assert.AreEqual(DriftStatus.Warning, Status(comments, "unknown-token share"), comments.ToString());
        Assert.AreEqual(DriftStatus.Warning, Status(comments, "length shift (PSI)"), comments.ToString());
    }

    private static DriftStatus Status(DriftReport report, string name) => report.Metrics.Single(m => m.Name == name).Status;

    private static (RecurrentModelFile File, TextSequencer Sequencer) TextModel(IReadOnlyList<string> texts, int maxLength)
    {
        var sequencer = TextSequencer.Build(texts, new WordTokenizer(), new VocabularyOptions { SpecialTokens = SpecialTokens.Pad | SpecialTokens.Unknown });
        var model = new SequenceModel(new SequenceModelOptions { VocabularySize = sequencer.Vocabulary.Count, EmbeddingSize = 2, HiddenSize = 2 });
        return (new RecurrentModelFile(model, sequencer, numericMetadata: DataProfile.FromTexts(sequencer, texts, maxLength).ToNumbers()), sequencer);
    }

    private static string[] TrainingTexts() =>
        Enumerable.Range(0, 40).Select(i => string.Join(' ', new[] { "good", "bad", "film", "food", "very", "not", "the" }.Take(2 + i % 4)) + (i % 3 == 0 ? " indeed" : "")).ToArray();
}
