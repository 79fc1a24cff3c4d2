using System.Globalization;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// The process's peak resident set size per configuration, on Linux: <see cref="Reset"/> sets the kernel's high-water
/// mark (VmHWM) back to the current RSS (writing 5 to /proc/self/clear_refs), <see cref="Field"/> reads it. Elsewhere, or
/// where /proc does not allow it, the field is left out.
/// </summary>
internal static class PeakRss
{
    private static bool _resettable = OperatingSystem.IsLinux();

    /// <summary>Starts a new high-water mark at the current RSS.</summary>
    public static void Reset()
    {
        if (!_resettable)
        {
            return;
        }
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _resettable = false;
        }
    }

    /// <summary>The peak RSS in MB since the last <see cref="Reset"/> (VmHWM), or null when unknown.</summary>
    public static double? Megabytes()
    {
        if (!_resettable)
        {
            return null;
        }
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                // "VmHWM:    123456 kB"
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1], CultureInfo.InvariantCulture) / 1024.0;
            }
        }
        return null;
    }

    /// <summary>", \"peak_rss_mb\": N" for a JSON line, or an empty string when unknown.</summary>
    public static string Field() =>
        Megabytes() is double mb ? string.Create(CultureInfo.InvariantCulture, $", \"peak_rss_mb\": {mb:F1}") : "";
}
