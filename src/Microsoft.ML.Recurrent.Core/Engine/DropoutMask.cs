namespace Microsoft.ML.Recurrent.Engine;

/// <summary>
/// Inverted-dropout masks (PyTorch's <c>F.dropout</c>): each element is 0 with probability p, else 1/(1-p), so the
/// expected value of a masked input is the input. Drawn in index order from one generator, so a seed gives one mask.
/// </summary>
internal static class DropoutMask
{
    /// <summary>Fills <paramref name="mask"/> with 0 (probability <paramref name="p"/>) or 1/(1-p).</summary>
    public static void Fill(Span<float> mask, float p, RandomSource random)
    {
        float scale = 1f / (1f - p);
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = random.NextSingle() < p ? 0f : scale;
        }
    }
}
