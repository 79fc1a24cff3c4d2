namespace Microsoft.ML.Recurrent.Models;

/// <summary>
/// The AWD-LSTM regularisers (Merity et al., 2017), applied while training only: a trained model predicts exactly as
/// without them and its file is unchanged. Every mask is drawn from the trainer's dropout generator
/// (seeded by <c>TrainerOptions.Seed</c>), so a seed gives the same masks and weights on every run, and kept elements are
/// scaled by 1/(1-p) (inverted dropout, as PyTorch's <c>F.dropout</c>). Set on <c>TrainerOptions.Regularization</c>.
/// </summary>
public sealed record RegularizationOptions
{
    /// <summary>
    /// Embedding dropout: the probability of dropping a whole row of the embedding matrix (a word type, at every
    /// occurrence in the batch); one mask over the vocabulary per mini-batch. Token input only. Default 0; allowed [0, 1).
    /// </summary>
    public float EmbeddingDropout { get; init; }

    /// <summary>
    /// Locked (variational) dropout on the embedding output, the recurrent stack's input: one mask per sequence over
    /// the embedding units, reused at every step. Token input only. Default 0; allowed [0, 1).
    /// </summary>
    public float InputDropout { get; init; }

    /// <summary>
    /// Locked dropout between stacked layers: one mask per sequence over a layer's output units, reused at every step.
    /// Above 0 it replaces the model's per-element <see cref="SequenceModelOptions.Dropout"/>. Default 0; allowed [0, 1).
    /// </summary>
    public float HiddenDropout { get; init; }

    /// <summary>
    /// Locked dropout on what the head reads: the top layer's output at every step (one mask per sequence) or the
    /// pooled summary of each sequence. Default 0; allowed [0, 1).
    /// </summary>
    public float OutputDropout { get; init; }

    /// <summary>
    /// DropConnect on the hidden-to-hidden weights (<c>weight_hh</c> of every layer and direction): one mask per
    /// mini-batch, shared by every sequence and step of it (AWD-LSTM's WeightDrop). Default 0; allowed [0, 1).
    /// </summary>
    public float WeightDropout { get; init; }

    /// <summary>Whether any regulariser is on.</summary>
    public bool IsActive => EmbeddingDropout > 0 || InputDropout > 0 || HiddenDropout > 0 || OutputDropout > 0 || WeightDropout > 0;

    /// <summary>Throws an exception naming the first probability outside [0, 1).</summary>
    public void Validate()
    {
        Check(EmbeddingDropout, nameof(EmbeddingDropout));
        Check(InputDropout, nameof(InputDropout));
        Check(HiddenDropout, nameof(HiddenDropout));
        Check(OutputDropout, nameof(OutputDropout));
        Check(WeightDropout, nameof(WeightDropout));
    }

    private static void Check(float p, string name)
    {
        if (!(p >= 0f && p < 1f))
        {
            throw new ArgumentOutOfRangeException(name, p, $"{name} is a dropout probability and must be in [0, 1); got {p}.");
        }
    }
}
