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
