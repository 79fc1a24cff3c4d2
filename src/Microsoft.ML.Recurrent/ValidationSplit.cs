namespace Microsoft.ML.Recurrent;

/// <summary>A seeded, reproducible hold-out split of training examples.</summary>
internal static class ValidationSplit
{
    /// <summary>Shuffles with the seed and holds out the given share (at least one item when the share is above 0 and there are two or more).</summary>
    public static (List<T> Train, List<T>? Validation) Split<T>(List<T> items, double fraction, int seed)
    {
        if (!(fraction >= 0 && fraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "ValidationFraction must be in [0, 1).");
        }
        if (fraction == 0 || items.Count < 2)
        {
            return (items, null);
        }
        var shuffled = items.ToList();
        new Random(seed).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(shuffled));
        int count = Math.Clamp((int)(items.Count * fraction), 1, items.Count - 1);
        return (shuffled[count..], shuffled[..count]);
    }
}
