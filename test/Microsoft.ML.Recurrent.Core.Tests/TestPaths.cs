namespace Microsoft.ML.Recurrent.Tests;

/// <summary>Where tests find the reference fixtures and the shared data sets.</summary>
internal static class TestPaths
{
    /// <summary>
    /// The layer/training fixture directory: RECURRENT_FIXTURES_DIR when set; else ../shared/fixtures/recurrent
    /// beside the repository; else the copy committed under TestData (so a fresh clone tests itself anywhere).
    /// </summary>
    public static string FixturesDirectory
    {
        get
        {
            string? fromEnv = Environment.GetEnvironmentVariable("RECURRENT_FIXTURES_DIR");
            if (!string.IsNullOrWhiteSpace(fromEnv))
            {
                return Path.GetFullPath(fromEnv);
            }
            string? shared = FindSharedFolder("fixtures/recurrent");
            return shared ?? Path.Combine(AppContext.BaseDirectory, "TestData", "fixtures", "recurrent");
        }
    }

    /// <summary>The shared data sets (../shared/data), or RECURRENT_DATA_DIR; null when absent.</summary>
    public static string? DataDirectory
    {
        get
        {
            string? fromEnv = Environment.GetEnvironmentVariable("RECURRENT_DATA_DIR");
            if (!string.IsNullOrWhiteSpace(fromEnv))
            {
                return Directory.Exists(fromEnv) ? Path.GetFullPath(fromEnv) : null;
            }
            return FindSharedFolder("data");
        }
    }

    /// <summary>A data file under the shared data folder, or an inconclusive test result saying why it is absent.</summary>
    public static string RequireDataFile(string relativePath)
    {
        string? dir = DataDirectory;
        string? path = dir is null ? null : Path.Combine(dir, relativePath);
        if (path is null || !File.Exists(path))
        {
            Assert.Inconclusive($"Skipped: the data file '{relativePath}' was not found (looked for ../shared/data beside the repository, or RECURRENT_DATA_DIR). See README.md for where to get it.");
        }
        return path!;
    }

    // Walks up from the test binaries looking for shared/<relative> (the repository's sibling folder).
    private static string? FindSharedFolder(string relative)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            string candidate = Path.Combine(dir.FullName, "shared", relative);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
            dir = dir.Parent;
        }
        return null;
    }
}
