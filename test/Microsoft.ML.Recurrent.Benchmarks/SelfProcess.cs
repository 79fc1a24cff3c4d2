using System.Diagnostics;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>How to start this program again as a child, whether it was started through its apphost or as `dotnet Benchmarks.dll`.</summary>
internal static class SelfProcess
{
    /// <summary>
    /// A start description of this program with <paramref name="args"/>, or of another build of it (e.g. a ReadyToRun
    /// publish) at <paramref name="host"/>.
    /// </summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args, string? host = null)
    {
        host ??= Environment.ProcessPath ?? throw new InvalidOperationException("The path of this process is unknown.");
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(SelfProcess).Assembly.Location); // started as `dotnet Benchmarks.dll`
        }
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return start;
    }
}
