using System.Diagnostics;

namespace Microsoft.ML.Recurrent.PluginTests;

/// <summary>Runs an example program, built beside this test project, as a separate process (<c>dotnet Example.dll</c>).</summary>
internal static class ExampleProcess
{
    /// <summary>The repository root, found from this test's output folder (test/&lt;project&gt;/bin/&lt;configuration&gt;/&lt;tfm&gt;).</summary>
    public static string RepositoryRoot => Bin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;

    private static DirectoryInfo Bin => new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));

    /// <summary>The built example at examples/&lt;name&gt;/bin/&lt;configuration&gt;/&lt;tfm&gt;/&lt;name&gt;.dll.</summary>
    public static string PathOf(string name)
    {
        string path = Path.Combine(RepositoryRoot, "examples", name, "bin", Bin.Parent!.Name, Bin.Name, name + ".dll");
        Assert.IsTrue(File.Exists(path), $"{name} was not built at {path}");
        return path;
    }

    /// <summary>Runs the example in <paramref name="workingDirectory"/> and returns its exit code and output.</summary>
    public static (int ExitCode, string Output, string Error) Run(string name, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [PathOf(name), .. arguments])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory,
        };
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        Assert.IsTrue(process.WaitForExit(300_000), $"{name} finished");
        return (process.ExitCode, output, error.Result);
    }
}
