namespace Microsoft.ML.Recurrent;

/// <summary>A seeded, reproducible hold-out split of training examples.</summary>
internal static class ValidationSplit
{
    /// <summary>
    /// Shuffles with the seed and holds out the given share (at least one item when the share is above 0 and there are
    /// two or more). With <paramref name="stratum"/> (a class label), each class gives its own share, rounded, so the
    /// validation set has the training data's class balance (and a class of one item stays in training).
    /// </summary>
    public static (List<T> Train, List<T>? Validation) Split<T>(List<T> items, double fraction, int seed, Func<T, int>? stratum = null)
    {
        CheckFraction(fraction);
        if (fraction == 0 || items.Count < 2)
        {
            return (items, null);
        }
        var shuffled = items.ToList();
        new Random(seed).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(shuffled));
        if (stratum is null)
        {
            int count = Math.Clamp((int)(items.Count * fraction), 1, items.Count - 1);
            return (shuffled[count..], shuffled[..count]);
        }
        var train = new List<T>();
        var validation = new List<T>();
        foreach (var group in shuffled.GroupBy(stratum).OrderBy(g => g.Key))
        {
            var members = group.ToList();
            int held = members.Count < 2 ? 0 : Math.Min(members.Count - 1, (int)Math.Round(members.Count * fraction, MidpointRounding.AwayFromZero));
            validation.AddRange(members.Take(held));
            train.AddRange(members.Skip(held));
        }
        if (validation.Count == 0)
        {
            // Every class too small for a rounded share: hold out one item, as the unstratified split does.
            validation.Add(train[^1]);
            train.RemoveAt(train.Count - 1);
        }
        return (train, validation);
    }

    /// <summary>Holds out the last share of the items in their order (a series: validate on the most recent windows).</summary>
    public static (List<T> Train, List<T>? Validation) SplitLast<T>(List<T> items, double fraction)
    {
        CheckFraction(fraction);
        if (fraction == 0 || items.Count < 2)
        {
            return (items, null);
        }
        int count = Math.Clamp((int)(items.Count * fraction), 1, items.Count - 1);
        return (items[..^count], items[^count..]);
    }

    private static void CheckFraction(double fraction)
    {
        if (!(fraction >= 0 && fraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "ValidationFraction must be in [0, 1).");
        }
    }
}
