// Shared by the examples that train (each imports Training.props): a live progress bar with epoch, step, loss,
// tokens/s and ETA when standard output is a terminal, and the example's own plain lines when it is redirected (CI,
// files, the example tests), which then stay exactly as they were.
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Recurrent.AutoML;
using Microsoft.ML.Recurrent.Training;
using Spectre.Console;

internal static class TrainingConsole
{
    /// <summary>Whether progress is drawn live: standard output is a terminal that Spectre.Console can redraw.</summary>
    public static bool IsLive { get; } = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>A line of the run's history (an epoch, a trial, a sample): above the bar while one shows.</summary>
    public static void WriteLine(string line)
    {
        if (IsLive)
        {
            AnsiConsole.WriteLine(line);
        }
        else
        {
            Console.WriteLine(line);
        }
    }

    /// <summary>A line the bar stands in for (a step's figures): written only when output is redirected.</summary>
    public static void WriteStepLine(string line)
    {
        if (!IsLive)
        {
            Console.WriteLine(line);
        }
    }

    /// <summary>
    /// Runs <paramref name="train"/> with a reporter that passes every report to <paramref name="lines"/> and, in a
    /// terminal, also moves a progress bar.
    /// </summary>
    public static T Train<T>(string what, IProgress<TrainingProgress> lines, Func<IProgress<TrainingProgress>, T> train)
    {
        if (!IsLive)
        {
            return train(lines);
        }
        return Live(what, bar =>
        {
            var clock = Stopwatch.StartNew();
            double tokensPerSecond = 0;
            return train(new Reporter<TrainingProgress>(p =>
            {
                lines.Report(p);
                tokensPerSecond = p.IsEpochEnd ? tokensPerSecond : p.TokensPerSecond;
                bar.Description = Markup.Escape(Describe(what, p, tokensPerSecond));
                bar.Value = Fraction(clock.Elapsed, p.EstimatedTimeRemaining);
            }));
        });
    }

    /// <summary>
    /// Runs a model search with a reporter that passes every finished trial to <paramref name="lines"/> and, in a
    /// terminal, also moves a bar over the time budget. Trials may finish on worker threads, one at a time.
    /// </summary>
    public static T Search<T>(string what, TimeSpan budget, IProgress<TrialResult> lines, Func<IProgress<TrialResult>, T> search)
    {
        if (!IsLive)
        {
            return search(lines);
        }
        return Live(what, bar =>
        {
            var clock = Stopwatch.StartNew();
            int finished = 0;
            return search(new Reporter<TrialResult>(t =>
            {
                lines.Report(t);
                finished++;
                bar.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{what}: {finished} runs, last trial {t.TrialId} (rung {t.Rung})"));
                bar.Value = Math.Min(1, clock.Elapsed / budget);
            }));
        });
    }

    // Before the first report the ETA is unknown; afterwards the share of time spent of the time the run will take.
    internal static double Fraction(TimeSpan elapsed, TimeSpan remaining)
    {
        double total = elapsed.TotalSeconds + remaining.TotalSeconds;
        return total <= 0 ? 0 : Math.Clamp(elapsed.TotalSeconds / total, 0, 1);
    }

    internal static string Describe(string what, TrainingProgress p, double tokensPerSecond) => string.Create(CultureInfo.InvariantCulture,
        $"{what}  epoch {p.Epoch}  step {p.Step}  loss {p.Loss:F4}  {tokensPerSecond:N0} tokens/s  eta {p.EstimatedTimeRemaining:hh\\:mm\\:ss}");

    private static T Live<T>(string what, Func<ProgressTask, T> run) => AnsiConsole.Progress()
        .AutoClear(false)
        .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
        .Start(context =>
        {
            var bar = context.AddTask(Markup.Escape(what), maxValue: 1);
            try
            {
                T result = run(bar);
                bar.Value = 1;
                return result;
            }
            finally
            {
                bar.StopTask();
            }
        });

    private sealed class Reporter<TValue>(Action<TValue> action) : IProgress<TValue>
    {
        public void Report(TValue value) => action(value);
    }
}
