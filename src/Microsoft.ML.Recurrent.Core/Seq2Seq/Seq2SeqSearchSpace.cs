using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Seq2Seq;

/// <summary>
/// The settings a <see cref="Seq2SeqExperiment"/> may try: every list is a set of choices sampled uniformly, the learning
/// rate log-uniformly from [<see cref="MinLearningRate"/>, <see cref="MaxLearningRate"/>]. The encoder is bidirectional
/// with half the decoder's hidden size per direction (so its outputs are as wide as the decoder).
/// </summary>
public sealed record Seq2SeqSearchSpace
{
    /// <summary>Cells of the encoder and the decoder (the same for both). Default Lstm, Gru.</summary>
    public IReadOnlyList<RecurrentCellKind> Cells { get; init; } = [RecurrentCellKind.Lstm, RecurrentCellKind.Gru];

    /// <summary>Decoder hidden sizes (each encoder direction has half, at least 1). Default 64, 128, 256; each 2 to 4096.</summary>
    public IReadOnlyList<int> HiddenSizes { get; init; } = [64, 128, 256];

    /// <summary>Widths of both embeddings. Default 32, 64; each 1 to 4096.</summary>
    public IReadOnlyList<int> EmbeddingSizes { get; init; } = [32, 64];

    /// <summary>Attentions. Default General, Additive (None is allowed).</summary>
    public IReadOnlyList<AttentionKind> Attentions { get; init; } = [AttentionKind.General, AttentionKind.Additive];

    /// <summary>Smallest learning rate (Adam). Default 1e-3; positive, at most <see cref="MaxLearningRate"/>.</summary>
    public double MinLearningRate { get; init; } = 1e-3;

    /// <summary>Largest learning rate (Adam). Default 1e-2; finite.</summary>
    public double MaxLearningRate { get; init; } = 1e-2;

    /// <summary>Batch sizes. Default 32, 64; each 1 to 65,536.</summary>
    public IReadOnlyList<int> BatchSizes { get; init; } = [32, 64];

    /// <summary>Label smoothing choices. Default 0, 0.1; each in [0, 1).</summary>
    public IReadOnlyList<float> LabelSmoothings { get; init; } = [0f, 0.1f];

    /// <summary>Throws when a choice list is empty or a value is outside its range.</summary>
    /// <exception cref="ArgumentException">A list is empty or a value is out of range.</exception>
    public void Validate()
    {
        NotEmpty(Cells, nameof(Cells));
        NotEmpty(HiddenSizes, nameof(HiddenSizes));
        NotEmpty(EmbeddingSizes, nameof(EmbeddingSizes));
        NotEmpty(Attentions, nameof(Attentions));
        NotEmpty(BatchSizes, nameof(BatchSizes));
        NotEmpty(LabelSmoothings, nameof(LabelSmoothings));
        if (Cells.Any(c => !Enum.IsDefined(c)) || Attentions.Any(a => !Enum.IsDefined(a)))
        {
            throw new ArgumentOutOfRangeException(nameof(Cells), "Cells and Attentions must hold defined values.");
        }
        if (HiddenSizes.Any(h => h < 2 || h > 4096) || EmbeddingSizes.Any(e => e < 1 || e > 4096) || BatchSizes.Any(b => b < 1 || b > 65536))
        {
            throw new ArgumentOutOfRangeException(nameof(HiddenSizes), "HiddenSizes must be 2 to 4096, EmbeddingSizes 1 to 4096 and BatchSizes 1 to 65,536.");
        }
        if (LabelSmoothings.Any(s => !(s >= 0f && s < 1f)))
        {
            throw new ArgumentOutOfRangeException(nameof(LabelSmoothings), "Every label smoothing must be in [0, 1).");
        }
        if (!(MinLearningRate > 0 && MinLearningRate <= MaxLearningRate && double.IsFinite(MaxLearningRate)))
        {
            throw new ArgumentOutOfRangeException(nameof(MinLearningRate), "Learning rates must be positive and finite with MinLearningRate <= MaxLearningRate.");
        }
    }

    private static void NotEmpty<T>(IReadOnlyList<T> values, string name)
    {
        if (values is null || values.Count == 0)
        {
            throw new ArgumentException($"{name} must offer at least one choice.", name);
        }
    }
}
