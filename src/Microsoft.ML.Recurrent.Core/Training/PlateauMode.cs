namespace Microsoft.ML.Recurrent.Training;

/// <summary>Whether <see cref="ReduceLROnPlateau"/> watches a metric that should fall or rise.</summary>
public enum PlateauMode
{
    /// <summary>Lower is better (a loss). PyTorch <c>mode='min'</c>.</summary>
    Min = 0,

    /// <summary>Higher is better (an accuracy). PyTorch <c>mode='max'</c>.</summary>
    Max = 1,
}
