namespace Microsoft.ML.Recurrent.Tests;

/// <summary>Finds the shared real data sets (../shared/data beside the repository, or RECURRENT_DATA_DIR).</summary>
internal static class SharedData
{
    public const string EnvironmentVariable = "RECURRENT_DATA_DIR";

    /// <summary>The data folder, or null with the reason when it cannot be found.</summary>
    public static string? FindDirectory(out string reason)
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            reason = Directory.Exists(fromEnvironment) ? "" : $"{EnvironmentVariable}={fromEnvironment} does not exist";
            return Directory.Exists(fromEnvironment) ? fromEnvironment : null;
        }
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "shared", "data");
            if (Directory.Exists(candidate))
            {
                reason = "";
                return candidate;
            }
        }
        reason = $"no folder shared/data above {AppContext.BaseDirectory} and {EnvironmentVariable} is not set";
        return null;
    }

    /// <summary>The full path of a file under the data folder; marks the test inconclusive when it is absent.</summary>
    public static string RequireFile(string relativePath)
    {
        string? directory = FindDirectory(out string reason);
        if (directory is null)
        {
            Assert.Inconclusive($"Shared data not found: {reason}.");
        }
        string path = Path.Combine(directory, relativePath);
        if (!File.Exists(path))
        {
            Assert.Inconclusive($"Shared data file {path} is absent.");
        }
        return path;
    }
}
