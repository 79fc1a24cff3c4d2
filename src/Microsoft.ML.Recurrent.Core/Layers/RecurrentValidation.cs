namespace Microsoft.ML.Recurrent.Layers;

/// <summary>Argument checks shared by the recurrent layer's public entry points; messages name the argument, the value and what is allowed.</summary>
internal static class RecurrentValidation
{
    public static void Length(int actual, int batch, int sequence, int features, string name)
    {
        long expected = (long)batch * sequence * features;
        if (actual != expected)
        {
            throw new ArgumentException($"{name} has {actual} values; expected batchSize * sequenceLength * InputSize = {batch} * {sequence} * {features} = {expected}.", name);
        }
    }

    public static void OptionalLength(int actual, long expected, string name, string expression)
    {
        if (actual != 0 && actual != expected)
        {
            throw new ArgumentException($"{name} has {actual} values; expected {expression} = {expected}, or an empty span.", name);
        }
    }

    public static void Lengths(ReadOnlySpan<int> lengths, int batchSize, int sequenceLength)
    {
        if (lengths.IsEmpty)
        {
            return;
        }
        if (lengths.Length != batchSize)
        {
            throw new ArgumentException($"lengths has {lengths.Length} entries; expected one per sequence (batchSize = {batchSize}), or an empty span for all {sequenceLength}.", nameof(lengths));
        }
        for (int b = 0; b < lengths.Length; b++)
        {
            if (lengths[b] < 1 || lengths[b] > sequenceLength)
            {
                throw new ArgumentException($"lengths[{b}] is {lengths[b]}; every length must be between 1 and sequenceLength ({sequenceLength}). Empty sequences are not allowed.", nameof(lengths));
            }
        }
    }
}
