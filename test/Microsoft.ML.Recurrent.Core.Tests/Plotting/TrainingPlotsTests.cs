using System.Buffers.Binary;
using Microsoft.ML.Recurrent.AutoML;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Plotting;
using Microsoft.ML.Recurrent.Tests.AutoML;
using Microsoft.ML.Recurrent.Training;
using ScottPlot;
using ScottPlot.Plottables;

namespace Microsoft.ML.Recurrent.Tests.Plotting;

[TestClass]
public sealed class TrainingPlotsTests
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public TestContext TestContext { get; set; } = null!;

    // A short run with validation and early stopping: 3 steps an epoch (48 examples, batches of 16).
    private static TrainingResult Train(bool validate = true)
    {
        var model = new SequenceModel(RecurrentExperimentTests.Classifier() with { EmbeddingSize = 8, HiddenSize = 8 }, seed: 1);
        var trainer = new SequenceTrainer(model, new TrainerOptions
        {
            Epochs = 4, BatchSize = 16, LearningRate = 0.02, Seed = 2, EarlyStoppingPatience = validate ? 3 : null,
            Schedule = new StepLRSchedule(2, gamma: 0.5),
        });
        return trainer.Fit(RecurrentExperimentTests.FirstTokenClass(48, 1, 3, 6), validate ? RecurrentExperimentTests.FirstTokenClass(20, 2, 3, 6) : null);
    }

    private string OutputFile(string name) => Path.Combine(TestContext.TestResultsDirectory ?? Path.GetTempPath(), $"{TestContext.TestName}-{name}");

    // The width and height of a PNG file, read from its IHDR chunk, after checking its signature.
    private static (int Width, int Height) ReadPngSize(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.IsGreaterThan(33, bytes.Length, "a PNG holds at least its signature and IHDR chunk");
        CollectionAssert.AreEqual(PngSignature, bytes[..8], "PNG signature");
        Assert.AreEqual(13, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8)), "IHDR length");
        Assert.AreEqual("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    private static double[] Ys(Scatter scatter) => [.. scatter.Data.GetScatterPoints().Select(p => p.Y)];

    private static double[] Xs(Scatter scatter) => [.. scatter.Data.GetScatterPoints().Select(p => p.X)];

    private static Scatter Series(Plot plot, string legend) =>
        plot.GetPlottables().OfType<Scatter>().Single(s => s.LegendText == legend);

    [TestMethod]
    public void TrainingCurves_From_HoldsTheRecordedValues()
    {
        var result = Train();
        var curves = TrainingCurves.From(result, smoothing: 0.5);

        CollectionAssert.AreEqual(result.History.Select(e => (double)e.Epoch).ToArray(), curves.Epochs.ToArray());
        CollectionAssert.AreEqual(result.History.Select(e => e.TrainLoss).ToArray(), curves.TrainLoss.ToArray());
        CollectionAssert.AreEqual(result.History.Select(e => e.Validation!.Loss).ToArray(), curves.ValidationLoss.ToArray());
        Assert.AreEqual("validation accuracy", curves.MetricName);
        CollectionAssert.AreEqual(result.History.Select(e => e.Validation!.Accuracy).ToArray(), curves.Metric.ToArray());
        CollectionAssert.AreEqual(result.History.Select(e => e.LearningRate).ToArray(), curves.EpochLearningRate.ToArray());
        Assert.HasCount((int)result.Steps, curves.Steps);
        CollectionAssert.AreEqual(result.StepHistory.Select(s => (double)s.Loss).ToArray(), curves.StepLoss.ToArray());
        CollectionAssert.AreEqual(result.StepHistory.Select(s => (double)s.LearningRate).ToArray(), curves.StepLearningRate.ToArray());
        Assert.AreEqual(result.History.MinBy(e => e.Validation!.Loss)!.Epoch, curves.BestEpoch);
        Assert.AreEqual(result.BestEpoch, curves.KeptEpoch);
        // Bias-corrected moving average with weight 0.5: the first value is the first loss, the second (x0 + 2 x1) / 3.
        Assert.AreEqual(curves.StepLoss[0], curves.SmoothedStepLoss[0], 1e-12);
        Assert.AreEqual((curves.StepLoss[0] + 2 * curves.StepLoss[1]) / 3, curves.SmoothedStepLoss[1], 1e-12);
    }

    [TestMethod]
    public void TrainingCurves_From_NoEpochOrBadSmoothing_Throws()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => TrainingCurves.From(new TrainingResult { History = [] })).Message, "no epoch");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => TrainingCurves.From(Train(validate: false), smoothing: 1));
    }

    [TestMethod]
    public void BuildTrainingFigure_Panels_PlotTheRecordedSeriesAndMarkTheBestEpoch()
    {
        var result = Train();
        var curves = TrainingCurves.From(result);
        var plots = TrainingPlots.BuildTrainingFigure(curves).GetPlots();

        Assert.HasCount(4, plots);
        CollectionAssert.AreEqual(result.History.Select(e => e.TrainLoss).ToArray(), Ys(Series(plots[0], "training")));
        CollectionAssert.AreEqual(result.History.Select(e => e.Validation!.Loss).ToArray(), Ys(Series(plots[0], "validation")));
        CollectionAssert.AreEqual(result.StepHistory.Select(s => (double)s.Step).ToArray(), Xs(Series(plots[1], "mini-batch")));
        CollectionAssert.AreEqual(result.StepHistory.Select(s => (double)s.Loss).ToArray(), Ys(Series(plots[1], "mini-batch")));
        CollectionAssert.AreEqual(curves.SmoothedStepLoss.ToArray(), Ys(Series(plots[1], "smoothed (0.9)")));
        CollectionAssert.AreEqual(result.History.Select(e => e.Validation!.Accuracy).ToArray(), Ys(Series(plots[2], "validation accuracy")));
        CollectionAssert.AreEqual(result.StepHistory.Select(s => (double)s.LearningRate).ToArray(), Ys(Series(plots[3], "per step")));
        foreach (var panel in new[] { plots[0], plots[2] })
        {
            // Early stopping restored the best epoch's weights, so one line marks both.
            var best = panel.GetPlottables().OfType<VerticalLine>().Single();
            Assert.AreEqual(result.BestEpoch, best.X);
            StringAssert.StartsWith(best.LegendText, $"best epoch {result.BestEpoch} (kept");
        }
    }

    [TestMethod]
    public void BuildTrainingFigure_NoValidation_MarksTheKeptEpochAndDrawsNoMetric()
    {
        var result = Train(validate: false);
        var plots = TrainingPlots.BuildTrainingFigure(TrainingCurves.From(result)).GetPlots();

        Assert.IsNull(TrainingCurves.From(result).MetricName);
        Assert.IsFalse(plots[0].GetPlottables().OfType<Scatter>().Any(s => s.LegendText == "validation"), "no empty validation series");
        Assert.AreEqual($"kept epoch {result.History.Count}", plots[0].GetPlottables().OfType<VerticalLine>().Single().LegendText);
        Assert.IsFalse(plots[2].GetPlottables().OfType<Scatter>().Any(), "no metric without validation");
        Assert.IsTrue(plots[2].GetPlottables().OfType<Annotation>().Any(), "the metric panel says why it is empty");
    }

    [TestMethod]
    public void BuildTrainingFigure_BestEpochNotKept_MarksBothEpochs()
    {
        // Without early stopping the model keeps the last epoch, whatever the validation loss did.
        var result = Train() with { BestEpoch = 4 };
        var history = result.History.Select((e, i) => e with { Validation = e.Validation! with { Loss = i == 1 ? 0.1 : 1.0 } }).ToArray();
        var curves = TrainingCurves.From(result with { History = history });
        var lines = TrainingPlots.BuildTrainingFigure(curves).GetPlot(0).GetPlottables().OfType<VerticalLine>().ToArray();

        Assert.AreEqual((2, 4), (curves.BestEpoch, curves.KeptEpoch));
        CollectionAssert.AreEqual(new[] { "best epoch 2", "kept epoch 4" }, lines.Select(l => l.LegendText).ToArray());
        CollectionAssert.AreEqual(new[] { 2.0, 4.0 }, lines.Select(l => l.X).ToArray());
    }

    [TestMethod]
    public void SavePlot_TrainingResult_WritesAPngOfTheRequestedSize()
    {
        string path = OutputFile("curves.png");
        Train().SavePlot(path, 900, 600);
        Assert.AreEqual((900, 600), ReadPngSize(path));
        TestContext.AddResultFile(path);

        string plain = OutputFile("no-validation.png");
        Train(validate: false).SavePlot(plain, 640, 480);
        Assert.AreEqual((640, 480), ReadPngSize(plain));
    }

    [TestMethod]
    public void SavePlot_BadArguments_ThrowBeforeWriting()
    {
        var result = Train(validate: false);
        string path = OutputFile("never.png");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => result.SavePlot(path, width: 10));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => result.SavePlot(path, height: TrainingPlots.MaximumSize + 1));
        Assert.ThrowsExactly<ArgumentException>(() => result.SavePlot(" "));
        Assert.ThrowsExactly<ArgumentException>(() => new TrainingResult { History = [] }.SavePlot(path));
        Assert.IsFalse(File.Exists(path));
    }

    [TestMethod]
    public void SavePlot_ExperimentResult_PlotsEveryRunAtItsFinishTimeByRung()
    {
        var result = new RecurrentExperiment(RecurrentExperimentTests.Options(trials: 4)).Run(
            RecurrentExperimentTests.FirstTokenClass(96, 1, 3, 6), RecurrentExperimentTests.FirstTokenClass(32, 2, 3, 6));
        // Trials run one after another here, so the runs finish in scheduling order, each after its own training time.
        for (int i = 0; i < result.Runs.Count; i++)
        {
            var run = result.Runs[i];
            Assert.IsTrue(run.FinishedAfter >= run.TrainingTime && run.FinishedAfter <= result.Elapsed, $"run {i}: {run.FinishedAfter}");
            Assert.IsTrue(i == 0 || run.FinishedAfter >= result.Runs[i - 1].FinishedAfter, $"run {i} finished before run {i - 1}");
        }
        var timeline = ExperimentTimeline.From(result);
        Assert.AreEqual(result.Runs.Max(r => r.Rung) + 1, timeline.RungCount);
        Assert.IsGreaterThan(1, timeline.RungCount, "successive halving promoted at least once");
        Assert.AreEqual(result.BestTrial.TrialId, timeline.BestTrialId);

        var plot = TrainingPlots.BuildExperimentFigure(timeline);
        for (int rung = 0; rung < timeline.RungCount; rung++)
        {
            var runs = result.Runs.Where(r => r.Rung == rung).ToArray();
            var points = Series(plot, $"rung {rung} ({runs[0].EpochBudget} epoch{(runs[0].EpochBudget == 1 ? "" : "s")})");
            CollectionAssert.AreEqual(runs.Select(r => r.FinishedAfter.TotalSeconds).ToArray(), Xs(points));
            CollectionAssert.AreEqual(runs.Select(r => r.Metric).ToArray(), Ys(points));
        }
        var staircase = Series(plot, "best so far");
        Assert.AreEqual(result.Runs.Max(r => r.Metric), Ys(staircase)[^1], "accuracy: the staircase ends at the highest");
        Assert.AreEqual(result.Runs.Max(r => r.FinishedAfter.TotalSeconds), Xs(staircase)[^1], "at the last run's finish");

        string path = OutputFile("experiment.png");
        result.SavePlot(path, 800, 500);
        Assert.AreEqual((800, 500), ReadPngSize(path));
        TestContext.AddResultFile(path);
    }
}
