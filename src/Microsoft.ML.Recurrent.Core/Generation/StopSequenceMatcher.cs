namespace Microsoft.ML.Recurrent.Generation;

/// <summary>Finds stop sequences in generated text, and how much of its end could still grow into one.</summary>
internal sealed class StopSequenceMatcher
{
    private readonly IReadOnlyList<string> _stops;

    public StopSequenceMatcher(IReadOnlyList<string> stops)
    {
        _stops = stops;
        foreach (string stop in stops)
        {
            LongestLength = Math.Max(LongestLength, stop.Length);
        }
    }

    /// <summary>Length of the longest stop sequence (0 when there are none).</summary>
    public int LongestLength { get; }

    /// <summary>Start of the earliest occurrence of any stop sequence at or after <paramref name="from"/>, or -1.</summary>
    public int FirstMatch(string text, int from)
    {
        int best = -1;
        foreach (string stop in _stops)
        {
            int at = text.IndexOf(stop, from, StringComparison.Ordinal);
            if (at >= 0 && (best < 0 || at < best))
            {
                best = at;
            }
        }
        return best;
    }

    /// <summary>Length of the longest suffix of <paramref name="text"/> that is a proper prefix of a stop sequence (held back while streaming).</summary>
    public int PendingSuffix(string text)
    {
        int longest = 0;
        foreach (string stop in _stops)
        {
            for (int length = Math.Min(stop.Length - 1, text.Length); length > longest; length--)
            {
                if (string.CompareOrdinal(text, text.Length - length, stop, 0, length) == 0)
                {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }
}
