// Shared by the examples that train (each imports Training.props): the --plot option, which writes the learning
// curves (or a model search's timeline) to a PNG file with Microsoft.ML.Recurrent.Plotting.
using System.CommandLine;
using Microsoft.ML.Recurrent.AutoML;
using Microsoft.ML.Recurrent.Plotting;
using Microsoft.ML.Recurrent.Training;

internal static class PlotFile
{
    /// <summary>The --plot option.</summary>
    public static Option<FileInfo?> CreateOption() =>
        new("--plot") { Description = "write the learning curves (loss, metric, learning rate, best epoch) to this PNG file" };

    /// <summary>Checks a named plot file before any work is done (its folder is created; a folder is refused).</summary>
    public static void Prepare(FileInfo? file)
    {
        if (file is not null)
        {
            ExampleFiles.PrepareOutput(file.FullName);
        }
    }

    /// <summary>Writes the learning curves of a training run where --plot says, if it says.</summary>
    public static void Save(FileInfo? file, TrainingResult result)
    {
        if (file is not null)
        {
            result.SavePlot(file.FullName);
            TrainingConsole.WriteLine($"learning curves: {file.FullName}");
        }
    }

    /// <summary>Writes a model search's timeline (metric against time per run, by rung) where --plot says, if it says.</summary>
    public static void Save(FileInfo? file, ExperimentResult result)
    {
        if (file is not null)
        {
            result.SavePlot(file.FullName);
            TrainingConsole.WriteLine($"model search timeline: {file.FullName}");
        }
    }
}
