using Microsoft.ML.Data;

/// <summary>One row of a sentiment file: a sentence, a tab, and 0 (negative) or 1 (positive); no header.</summary>
public sealed class SentimentRow
{
    [LoadColumn(0)]
    public string Text { get; set; } = "";

    [LoadColumn(1)]
    public bool Label { get; set; }
}

/// <summary>What the classifier adds.</summary>
public sealed class SentimentPrediction
{
    public bool PredictedLabel { get; set; }

    public float Probability { get; set; }

    public float Score { get; set; }
}

internal static class SentimentFile
{
    /// <summary>
    /// Checks every row of a sentiment file before ML.NET reads it (its text loader reports a value it cannot parse
    /// deep inside training, or reads it as missing) and returns the number of rows. Blank lines are skipped.
    /// </summary>
    /// <exception cref="InputFileException">The file is missing or unreadable, a row is malformed, or it has no rows
    /// (or, for training, only one class).</exception>
    public static int Check(string path, bool training)
    {
        string[] lines = ExampleFiles.ReadLines(path);
        int rows = 0;
        bool positive = false, negative = false;
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }
            string[] fields = lines[i].Split('\t');
            if (fields.Length != 2)
            {
                throw InputFileException.For(path, $"line {i + 1} has {fields.Length} tab-separated fields; expected 2: a sentence, a tab, and 0 or 1");
            }
            switch (fields[1])
            {
                case "1":
                    positive = true;
                    break;
                case "0":
                    negative = true;
                    break;
                default:
                    throw InputFileException.For(path, $"line {i + 1}: the label '{Shorten(fields[1])}' is not 0 or 1");
            }
            rows++;
        }
        if (rows == 0)
        {
            throw InputFileException.For(path, "has no rows; expected lines of a sentence, a tab, and 0 or 1");
        }
        if (training && !(positive && negative))
        {
            throw InputFileException.For(path, $"has only {(positive ? "positive (1)" : "negative (0)")} rows; training needs both classes");
        }
        return rows;
    }

    private static string Shorten(string text) => text.Length <= 20 ? text : text[..20] + "...";
}
