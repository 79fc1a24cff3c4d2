namespace Microsoft.ML.Recurrent;

/// <summary>
/// The sizes the recurrent featurizer's feature vector can have. ML.NET forgets schema definitions when it reloads a
/// model, so each size is declared by an attribute on its own output class: part of the saved-model contract.
/// </summary>
public static class RecurrentFeatureSizes
{
    /// <summary>The supported sizes, ascending.</summary>
    public static IReadOnlyList<int> All { get; } = [16, 32, 64, 128, 256, 512, 1024];

    /// <summary>The smallest supported size that holds <paramref name="stateSize"/> values.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stateSize"/> is above the largest size.</exception>
    public static int For(int stateSize) => All.FirstOrDefault(s => s >= stateSize) is int size and > 0
        ? size
        : throw new ArgumentOutOfRangeException(nameof(stateSize), stateSize, $"The featurizer's state has {stateSize} values; at most {All[^1]} are supported.");
}
