using System.Globalization;

namespace Microsoft.ML.Recurrent.PluginTests;

/// <summary>The examples as a user runs them: with no arguments, and with bad files.</summary>
[TestClass]
public sealed class ExampleProgramTests
{
    private string _dir = "";

    [TestInitialize]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("recurrent-examples-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    public void SentimentClassification_NoArguments_RunsOnTheShippedSampleAndEndsWithAccuracy()
    {
        var (exitCode, output, error) = ExampleProcess.Run("SentimentClassification", _dir);
        Assert.AreEqual(0, exitCode, error);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("accuracy: ", lines[^1]);
        double accuracy = double.Parse(lines[^1]["accuracy: ".Length..], CultureInfo.InvariantCulture);
        Assert.IsGreaterThan(0.8, accuracy, output);
        StringAssert.Contains(output, "reloaded model: identical scores");
        StringAssert.Contains(output, "generated: The food was");
        string saved = Path.Combine(_dir, "artifacts", "SentimentClassification", "sentiment.zip");
        Assert.IsTrue(File.Exists(saved), "the model goes to artifacts/ under the current folder");
        CollectionAssert.AreEqual(new[] { saved }, Directory.GetFiles(_dir, "*", SearchOption.AllDirectories), "nothing else is written");
        Assert.IsNotNull(new MLContext().Model.Load(saved, out _));
    }

    [TestMethod]
    public void SentimentClassification_SentenceWithUnicodeNextLine_IsOneRow()
    {
        // U+0085 (NEXT LINE) occurs inside real sentences (imdb_labelled.txt); only \n, \r\n and \r end a row.
        string file = Path.Combine(_dir, "rows.tsv");
        File.WriteAllText(file, "The script is\u0085was there a script?\t0\nA wonderful film.\t1\r\n");
        var (exitCode, output, error) = ExampleProcess.Run("SentimentClassification", _dir,
            "--train", file, "--test", file, "--epochs", "1", "--lm-epochs", "0", "--model", Path.Combine(_dir, "model.zip"));
        Assert.AreEqual(0, exitCode, error);
        StringAssert.Contains(output, $"2 training rows from {file}, 2 test rows");
    }

    [TestMethod]
    public void SentimentClassification_Pretrain_PrintsBothAccuraciesAndSavesTheLanguageModel()
    {
        string train = Path.Combine(_dir, "train.tsv"), unlabelled = Path.Combine(_dir, "unlabelled.txt");
        File.WriteAllLines(train, RecurrentTextBinaryTrainerTests.Sentences(80, 1).Select(r => $"{r.Text}\t{(r.Label ? 1 : 0)}"));
        File.WriteAllLines(unlabelled, RecurrentTextBinaryTrainerTests.Sentences(200, 2).Select(r => r.Text));
        string lm = Path.Combine(_dir, "lm.zip");
        var (exitCode, output, error) = ExampleProcess.Run("SentimentClassification", _dir,
            "--train", train, "--test", train, "--pretrain", unlabelled, "--pretrain-epochs", "1", "--epochs", "3", "--lm-epochs", "0",
            "--model", Path.Combine(_dir, "model.zip"), "--lm-model", lm);
        Assert.AreEqual(0, exitCode, error);
        StringAssert.Contains(output, "without pretraining: accuracy ");
        // The unlabelled file's distinct sentences, then the 80 training rows' text (domain adaptation).
        int sentences = RecurrentTextBinaryTrainerTests.Sentences(200, 2).Select(r => r.Text).Distinct().Count() + 80;
        StringAssert.Contains(output, $"language model: {sentences} sentences");
        StringAssert.Contains(output, "with pretraining: ");
        StringAssert.Contains(output, "reloaded model: identical scores");
        Assert.IsTrue(File.Exists(lm), "the pretrained language model is saved for the next run");
    }

    [TestMethod]
    public void GraphemeToPhoneme_NoArguments_TrainsOnTheShippedSampleAndEndsWithWerAndPer()
    {
        var (exitCode, output, error) = ExampleProcess.Run("GraphemeToPhoneme", _dir);
        Assert.AreEqual(0, exitCode, error);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("wer: ", lines[^2]);
        Assert.StartsWith("per: ", lines[^1]);
        double wer = double.Parse(lines[^2]["wer: ".Length..], CultureInfo.InvariantCulture);
        double per = double.Parse(lines[^1]["per: ".Length..], CultureInfo.InvariantCulture);
        Assert.IsTrue(wer is >= 0 and <= 1 && per is >= 0 and < 1, output);
        string saved = Path.Combine(_dir, "artifacts", "GraphemeToPhoneme", "g2p.s2smodel");
        Assert.IsTrue(File.Exists(saved), "the model goes to artifacts/ under the current folder");
        Assert.AreEqual(1f, Microsoft.ML.Recurrent.Seq2Seq.Seq2SeqModel.Load(saved).Decode([4, 5]).Attention[0].Sum(), 1e-5f);
    }

    [TestMethod]
    [DataRow("SentimentClassification", "accuracy: ", "--epochs", "2", "--lm-epochs", "0")]
    [DataRow("Forecasting", "rmse: ", "--epochs", "2")]
    public void Example_Plot_WritesTheLearningCurvesAndKeepsTheLastLine(string example, string lastLine, params string[] arguments)
    {
        // Redirected output: no progress bar, the same lines as without --plot, plus the one naming the picture.
        string png = Path.Combine(_dir, "plots", "curves.png");
        var (exitCode, output, error) = ExampleProcess.Run(example, _dir, [.. arguments, "--plot", png]);
        Assert.AreEqual(0, exitCode, error);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith(lastLine, lines[^1]);
        CollectionAssert.Contains(lines, $"learning curves: {png}");
        Assert.DoesNotContain("\u001b[", output, "no terminal control sequences when output is redirected");
        byte[] bytes = File.ReadAllBytes(png);
        CollectionAssert.AreEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8], "PNG signature");
        Assert.AreEqual((1200, 800), (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)),
            System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20))), "IHDR width and height");
    }

    [TestMethod]
    public void ModelConsumer_NoArguments_ClassifiesTheShippedSentencesWithTheEmbeddedModel()
    {
        var (exitCode, output, error) = ExampleProcess.Run("ModelConsumer", _dir);
        Assert.AreEqual(0, exitCode, error);
        string[] sentences = File.ReadAllLines(Path.Combine(ExampleProcess.RepositoryRoot, "examples", "ModelConsumer", "Data", "sentences.txt"));
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.HasCount(sentences.Length, lines);
        for (int i = 0; i < lines.Length; i++)
        {
            string[] parts = lines[i].Split('\t');
            Assert.AreEqual(sentences[i], parts[3]);
            float probability = float.Parse(parts[1], CultureInfo.InvariantCulture);
            Assert.AreEqual(probability > 0.5f, bool.Parse(parts[0]), lines[i]);
        }
    }

    [TestMethod]
    [DataRow("SentimentClassification", "missing.tsv", null, "--train {file} --test {file}", "file not found")]
    [DataRow("SentimentClassification", "train.tsv", "good food\t1\nbad food\tmaybe\n", "--train {file} --test {file}", "line 2: the label 'maybe' is not 0 or 1")]
    [DataRow("SentimentClassification", "train.tsv", "good food\t1\tmore\n", "--train {file} --test {file}", "line 1 has 3 tab-separated fields")]
    [DataRow("SentimentClassification", "train.tsv", "good food\t1\ngreat food\t1\n", "--train {file} --test {file}", "has only positive (1) rows")]
    [DataRow("ModelConsumer", "model.zip", "this is not a zip archive", "--model {file}", "not a usable sentiment model")]
    [DataRow("ModelConsumer", "missing.zip", null, "--model {file}", "file not found")]
    [DataRow("ModelConsumer", "missing.txt", null, "--input {file}", "file not found")]
    [DataRow("TextGeneration", "model.rnnmodel", "RNNMODEL but not really", "--load {file}", "cannot be loaded")]
    [DataRow("TextGeneration", "missing.txt", null, "--data {file}", "file not found")]
    [DataRow("TextGeneration", "short.txt", "too short", "--data {file}", "at least 250 are needed")]
    [DataRow("SequenceTagging", "train.tsv", "the\tDET\ndog-without-a-tag\n", "--train {file} --test {file}", "line 2 is not 'token<TAB>tag'")]
    [DataRow("Forecasting", "series.csv", "month,value\n2000-01,1.5\n2000-02,lots\n", "--data {file}", "line 3: 'lots' in column 1 is not a number")]
    [DataRow("Forecasting", "series.csv", "month,value\n2000-01,1.5\n", "--data {file} --column 4", "line 2 has 2 columns")]
    [DataRow("GraphemeToPhoneme", "train.tsv", "cat\tK AE T\ndog\n", "--train {file} --test {file}", "line 2 is not 'word<TAB>phonemes'")]
    [DataRow("GraphemeToPhoneme", "missing.tsv", null, "--train {file}", "file not found")]
    [DataRow("GraphemeToPhoneme", "model.s2smodel", "RS2S but not really", "--load {file}", "cannot be loaded")]
    public void Example_BadFile_ExitsWithCode2AndOneLineNamingTheFile(string example, string fileName, string? content, string arguments, string problem)
    {
        string file = Path.Combine(_dir, fileName);
        if (content is not null)
        {
            File.WriteAllText(file, content);
        }
        var (exitCode, output, error) = ExampleProcess.Run(example, _dir, arguments.Replace("{file}", file, StringComparison.Ordinal).Split(' '));
        AssertOneLineNamingTheFile(exitCode, output, error, file, problem);
    }

    [TestMethod]
    [DataRow("SentimentClassification", "--model")]
    [DataRow("TextGeneration", "--save")]
    [DataRow("GraphemeToPhoneme", "--model")]
    [DataRow("Forecasting", "--plot")]
    [DataRow("SequenceTagging", "--plot")]
    public void Example_OutputPathIsAFolder_ExitsWithCode2AndOneLineNamingIt(string example, string option)
    {
        string folder = Directory.CreateDirectory(Path.Combine(_dir, "model.zip")).FullName;
        var (exitCode, output, error) = ExampleProcess.Run(example, _dir, option, folder);
        AssertOneLineNamingTheFile(exitCode, output, error, folder, "is a folder");
    }

    [TestMethod]
    public void ModelConsumer_TruncatedModel_ExitsWithCode2AndOneLineNamingTheFile()
    {
        byte[] model = File.ReadAllBytes(Path.Combine(ExampleProcess.RepositoryRoot, "examples", "ModelConsumer", "Data", "sentiment-tiny.zip"));
        string file = Path.Combine(_dir, "truncated.zip");
        File.WriteAllBytes(file, model[..(model.Length / 2)]);
        var (exitCode, output, error) = ExampleProcess.Run("ModelConsumer", _dir, "--model", file);
        AssertOneLineNamingTheFile(exitCode, output, error, file, "not a usable sentiment model");
    }

    private static void AssertOneLineNamingTheFile(int exitCode, string output, string error, string file, string problem)
    {
        Assert.AreEqual(2, exitCode, $"exit code; stdout: {output} stderr: {error}");
        string[] lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.HasCount(1, lines, $"one line on standard error: {error}");
        StringAssert.Contains(lines[0], file);
        StringAssert.Contains(lines[0], problem);
        Assert.DoesNotContain("   at ", output + error, "no stack trace");
    }
}
