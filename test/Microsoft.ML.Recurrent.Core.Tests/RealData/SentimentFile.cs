namespace Microsoft.ML.Recurrent.Tests.RealData;

/// <summary>Reads the UCI sentiment files: "sentence TAB label" per line, quoting off, split on the last TAB.</summary>
internal static class SentimentFile
{
    public static List<(string Text, int Label)> Read(string path)
    {
        var rows = new List<(string, int)>();
        foreach (string line in File.ReadAllText(path).Split('\n'))
        {
            int tab = line.LastIndexOf('\t');
            if (tab < 0)
            {
                continue;
            }
            rows.Add((line[..tab].Trim(), int.Parse(line[(tab + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture)));
        }
        return rows;
    }
}
