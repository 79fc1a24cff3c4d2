namespace Microsoft.ML.Recurrent.Seq2Seq;

/// <summary>One trial of a <see cref="Seq2SeqExperiment"/>.</summary>
/// <param name="Options">The model's shape.</param>
/// <param name="LearningRate">Adam's learning rate.</param>
/// <param name="BatchSize">Pairs per batch.</param>
/// <param name="LabelSmoothing">The loss's label smoothing.</param>
/// <param name="ValidationLoss">The best epoch's validation loss (cross-entropy per predicted token, no smoothing).</param>
/// <param name="Epochs">Epochs trained.</param>
/// <param name="Elapsed">Training time.</param>
public sealed record Seq2SeqTrial(Seq2SeqOptions Options, double LearningRate, int BatchSize, float LabelSmoothing,
    double ValidationLoss, int Epochs, TimeSpan Elapsed);
