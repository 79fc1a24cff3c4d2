using Microsoft.ML.Recurrent.AutoML;
using Microsoft.ML.Recurrent.Training;
using ScottPlot;

namespace Microsoft.ML.Recurrent.Plotting;

/// <summary>
/// Writes learning curves as PNG pictures: <c>result.SavePlot("curves.png")</c> on a <see cref="TrainingResult"/> (from
/// <see cref="SequenceTrainer"/>, or an ML.NET model's <c>RecurrentModelTransformer.TrainingResult</c>) or on an
/// <see cref="ExperimentResult"/> (an ML.NET experiment's <c>RecurrentExperimentResult.Details</c>).
/// </summary>
public static class TrainingPlots
{
    /// <summary>Smallest width or height of a picture, in pixels.</summary>
    public const int MinimumSize = 200;

    /// <summary>Largest width or height of a picture, in pixels.</summary>
    public const int MaximumSize = 8000;

    private static readonly Color TrainColor = new(31, 119, 180);
    private static readonly Color ValidationColor = new(255, 127, 14);
    private static readonly Color BestColor = new(44, 160, 44);

    /// <summary>
    /// Writes a PNG of four panels: training and validation loss per epoch, training loss per step (raw and smoothed),
    /// the validation metric per epoch, and the learning rate; the best epoch is marked on the per-epoch panels.
    /// </summary>
    /// <param name="result">A training result with at least one epoch.</param>
    /// <param name="path">The PNG file to write (replaced when it exists; its folder must exist).</param>
    /// <param name="width">Width in pixels, <see cref="MinimumSize"/> to <see cref="MaximumSize"/>. Default 1200.</param>
    /// <param name="height">Height in pixels, <see cref="MinimumSize"/> to <see cref="MaximumSize"/>. Default 800.</param>
    /// <param name="smoothing">Weight of the past in the per-step moving average, in [0, 1). Default 0.9.</param>
    /// <exception cref="ArgumentException">The result records no epoch, or the path is empty.</exception>
    public static void SavePlot(this TrainingResult result, string path, int width = 1200, int height = 800, double smoothing = 0.9)
    {
        ArgumentNullException.ThrowIfNull(result);
        CheckOutput(path, width, height);
        BuildTrainingFigure(TrainingCurves.From(result, smoothing)).SavePng(path, width, height);
    }

    /// <summary>
    /// Writes a PNG of a model search: every run's metric against the time it finished, one colour per rung of
    /// successive halving, a line joining each configuration's runs, the best-so-far curve, and the winner marked.
    /// </summary>
    /// <param name="result">The experiment's result.</param>
    /// <param name="path">The PNG file to write (replaced when it exists; its folder must exist).</param>
    /// <param name="width">Width in pixels, <see cref="MinimumSize"/> to <see cref="MaximumSize"/>. Default 1200.</param>
    /// <param name="height">Height in pixels, <see cref="MinimumSize"/> to <see cref="MaximumSize"/>. Default 800.</param>
    /// <exception cref="ArgumentException">The path is empty.</exception>
    public static void SavePlot(this ExperimentResult result, string path, int width = 1200, int height = 800)
    {
        ArgumentNullException.ThrowIfNull(result);
        CheckOutput(path, width, height);
        BuildExperimentFigure(ExperimentTimeline.From(result)).SavePng(path, width, height);
    }

    internal static Multiplot BuildTrainingFigure(TrainingCurves curves)
    {
        var figure = new Multiplot();
        figure.AddPlots(4);
        var (epochLoss, stepLoss, metric, rate) = (figure.GetPlot(0), figure.GetPlot(1), figure.GetPlot(2), figure.GetPlot(3));
        figure.Layout = new ScottPlot.MultiplotLayouts.Grid(2, 2);

        epochLoss.Title("Loss per epoch");
        Line(epochLoss, curves.Epochs, curves.TrainLoss, TrainColor, "training");
        Line(epochLoss, curves.ValidatedEpochs, curves.ValidationLoss, ValidationColor, "validation");
        MarkBest(epochLoss, curves);
        Axes(epochLoss, "epoch", "loss");

        stepLoss.Title("Loss per step");
        if (curves.Steps.Count > 0)
        {
            Line(stepLoss, curves.Steps, curves.StepLoss, TrainColor.WithAlpha(0.3), "mini-batch", marker: false);
            Line(stepLoss, curves.Steps, curves.SmoothedStepLoss, TrainColor, $"smoothed ({curves.Smoothing:0.###})", marker: false, width: 2);
            Axes(stepLoss, "step", "training loss");
        }
        else
        {
            Empty(stepLoss, "steps not recorded", "step");
        }

        if (curves.MetricName is not null)
        {
            metric.Title(char.ToUpperInvariant(curves.MetricName[0]) + curves.MetricName[1..]);
            Line(metric, curves.ValidatedEpochs, curves.Metric, ValidationColor, curves.MetricName);
            MarkBest(metric, curves);
            Axes(metric, "epoch", curves.MetricName);
        }
        else
        {
            metric.Title("Validation metric");
            Empty(metric, "no validation data", "epoch");
        }

        rate.Title("Learning rate");
        bool perStep = curves.Steps.Count > 0;
        var rates = perStep ? curves.StepLearningRate : curves.EpochLearningRate;
        Line(rate, perStep ? curves.Steps : curves.Epochs, rates, TrainColor, perStep ? "per step" : "per epoch", marker: !perStep, width: 2);
        Axes(rate, perStep ? "step" : "epoch", "learning rate");
        if (rates.Count > 0 && rates.Max() == rates.Min())
        {
            // A constant rate would otherwise be centred on an axis of height zero, which the plot widens to ±1.
            rate.Axes.SetLimitsY(0, Math.Max(rates[0] * 2, double.Epsilon));
        }
        return figure;
    }

    internal static Plot BuildExperimentFigure(ExperimentTimeline timeline)
    {
        var plot = new Plot();
        int failed = timeline.Runs.Count(r => !r.Succeeded);
        plot.Title($"Model search: {timeline.Runs.Count} runs{(failed > 0 ? $", {failed} failed (not shown)" : "")}; best trial {timeline.BestTrialId}");
        var shown = timeline.Runs.Where(r => r.Succeeded && double.IsFinite(r.Metric)).ToArray();
        // A grey line joins each configuration's runs, so a promotion from rung to rung reads left to right.
        foreach (var trial in shown.GroupBy(r => r.TrialId).Where(g => g.Count() > 1))
        {
            var ordered = trial.OrderBy(r => r.Seconds).ToArray();
            var join = plot.Add.Scatter(ordered.Select(r => r.Seconds).ToArray(), ordered.Select(r => r.Metric).ToArray(), Colors.Gray.WithAlpha(0.5));
            join.MarkerSize = 0;
        }
        var best = timeline.BestSoFar;
        if (best.Count > 0)
        {
            // The staircase runs on to the last finished run, so a best found early still shows as a line.
            double end = Math.Max(best[^1].Seconds, shown.Max(r => r.Seconds));
            double[] xs = [.. best.Select(r => r.Seconds), end];
            double[] ys = [.. best.Select(r => r.Metric), best[^1].Metric];
            var staircase = plot.Add.ScatterLine(xs, ys, BestColor);
            staircase.ConnectStyle = ConnectStyle.StepHorizontal;
            staircase.LegendText = "best so far";
            staircase.LineWidth = 2;
        }
        var palette = new ScottPlot.Palettes.Category10();
        for (int rung = 0; rung < timeline.RungCount; rung++)
        {
            var runs = shown.Where(r => r.Rung == rung).ToArray();
            if (runs.Length == 0)
            {
                continue;
            }
            var points = plot.Add.ScatterPoints(runs.Select(r => r.Seconds).ToArray(), runs.Select(r => r.Metric).ToArray(), palette.GetColor(rung));
            points.MarkerSize = 9;
            points.LegendText = $"rung {rung} ({runs[0].EpochBudget} epoch{(runs[0].EpochBudget == 1 ? "" : "s")})";
        }
        if (shown.Where(r => r.TrialId == timeline.BestTrialId).OrderBy(r => r.Seconds).LastOrDefault() is { } winner)
        {
            var mark = plot.Add.Marker(winner.Seconds, winner.Metric, MarkerShape.OpenCircle, 22, BestColor);
            mark.LegendText = $"best: trial {winner.TrialId}";
        }
        Axes(plot, "seconds since the start", timeline.MetricName, Edge.Right);
        return plot;
    }

    private static void Line(Plot plot, IReadOnlyList<double> xs, IReadOnlyList<double> ys, Color color, string label, bool marker = true, float width = 1.5f)
    {
        if (xs.Count == 0)
        {
            return;
        }
        var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), color);
        line.LegendText = label;
        line.LineWidth = width;
        line.MarkerSize = marker && xs.Count <= 100 ? 5 : 0;
    }

    // A panel with nothing to show says why. It gets fixed limits and no legend: ScottPlot leaves a panel without data
    // limits, or with an empty legend, blank.
    private static void Empty(Plot plot, string message, string x)
    {
        plot.Add.Annotation(message, Alignment.MiddleCenter);
        plot.XLabel(x);
        plot.Axes.SetLimits(0, 1, 0, 1);
    }

    // The best validation epoch, and the epoch whose weights the model kept when that is another one (no early stopping).
    private static void MarkBest(Plot plot, TrainingCurves curves)
    {
        if (curves.BestEpoch >= 1)
        {
            var best = plot.Add.VerticalLine(curves.BestEpoch, 1.5f, BestColor, LinePattern.Dashed);
            best.LegendText = $"best epoch {curves.BestEpoch}" + (curves.KeptEpoch != curves.BestEpoch ? ""
                : curves.StoppedEarly ? " (kept; stopped early)" : " (kept)");
        }
        if (curves.KeptEpoch >= 1 && curves.KeptEpoch != curves.BestEpoch)
        {
            var kept = plot.Add.VerticalLine(curves.KeptEpoch, 1.5f, Colors.Gray, LinePattern.Dotted);
            kept.LegendText = $"kept epoch {curves.KeptEpoch}";
        }
    }

    // The legend goes outside the data area, so it never hides a point.
    private static void Axes(Plot plot, string x, string y, Edge legend = Edge.Bottom)
    {
        plot.XLabel(x);
        plot.YLabel(y);
        plot.ShowLegend(legend);
    }

    private static void CheckOutput(string path, int width, int height)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, MinimumSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, MaximumSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, MinimumSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, MaximumSize);
    }
}
