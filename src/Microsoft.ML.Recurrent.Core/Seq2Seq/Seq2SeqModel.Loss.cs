using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Seq2Seq;

// The training objective: mean (label-smoothed) cross-entropy over every predicted target token and EOS.
public sealed partial class Seq2SeqModel
{
    private Seq2SeqPass? _trainPass;

    /// <summary>
    /// Teacher-forced loss of a batch and its gradients, <b>added</b> into <see cref="Layers.ParameterSet.Gradients"/> (zero them
    /// first). Not thread-safe: no other call may run on this model meanwhile.
    /// </summary>
    /// <param name="batch">Examples with sources (unless the model has none) and targets; any lengths.</param>
    /// <param name="labelSmoothing">PyTorch's <c>label_smoothing</c>, in [0, 1).</param>
    /// <returns>The mean loss per predicted token (the target tokens and EOS).</returns>
    /// <exception cref="ArgumentException">The batch is empty or an example does not fit the model.</exception>
    public double ComputeGradients(IReadOnlyList<Seq2SeqExample> batch, float labelSmoothing = 0f)
    {
        var sorted = Prepare(batch, labelSmoothing);
        var p = _trainPass ??= new Seq2SeqPass(this, train: true);
        int n = TeacherForward(p, sorted);
        // The gradient replaces the logits (nothing reads them afterwards): no second (N, V) buffer to write.
        p.LogitsGradient = p.Logits;
        double loss = LabelSmoothedLoss.Compute(p.Logits, p.OutputTokens, n, TargetCount, labelSmoothing, p.LogitsGradient, 1f / n);
        TeacherBackward(p);
        return loss / n;
    }

    /// <summary>The teacher-forced loss of a batch without gradients (thread-safe with other evaluations and decodes).</summary>
    /// <param name="batch">Examples with targets.</param>
    /// <param name="labelSmoothing">As in <see cref="ComputeGradients"/>.</param>
    /// <returns>The mean loss per predicted token.</returns>
    public double ComputeLoss(IReadOnlyList<Seq2SeqExample> batch, float labelSmoothing = 0f)
    {
        var sorted = Prepare(batch, labelSmoothing);
        var p = RentPass();
        try
        {
            var (sum, count, _) = LossTotals(p, sorted, labelSmoothing);
            return sum / count;
        }
        finally
        {
            ReturnPass(p);
        }
    }

    /// <summary>
    /// Teacher-forced metrics over a data set: <see cref="EvaluationResult.Loss"/> is the mean cross-entropy per predicted
    /// token (no smoothing), <see cref="EvaluationResult.Count"/> the number of predicted tokens (EOS included),
    /// <see cref="EvaluationResult.Accuracy"/> the share whose most likely token is the reference; <c>Rmse</c> is NaN.
    /// </summary>
    /// <param name="examples">Examples with targets; at least one.</param>
    /// <param name="batchSize">Examples per forward pass. Default 64.</param>
    /// <returns>The metrics.</returns>
    public EvaluationResult Evaluate(IReadOnlyList<Seq2SeqExample> examples, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        double sum = 0;
        long count = 0, correct = 0;
        var ordered = SortByTarget(examples);
        var p = RentPass();
        try
        {
            for (int start = 0; start < ordered.Length; start += batchSize)
            {
                var batch = Prepare(ordered[start..Math.Min(ordered.Length, start + batchSize)], 0f);
                var (s, c, k) = LossTotals(p, batch, 0f, countCorrect: true);
                (sum, count, correct) = (sum + s, count + c, correct + k);
            }
        }
        finally
        {
            ReturnPass(p);
        }
        if (count == 0)
        {
            throw new ArgumentException("The evaluation set is empty; at least one example is needed.", nameof(examples));
        }
        return new EvaluationResult(sum / count, count, (double)correct / count, double.NaN);
    }

    // The summed loss, the number of predicted tokens and (when asked) how many of them are the most likely token.
    private (double Sum, long Count, long Correct) LossTotals(Seq2SeqPass p, Seq2SeqExample[] sorted, float smoothing, bool countCorrect = false)
    {
        int n = TeacherForward(p, sorted);
        double sum = LabelSmoothedLoss.Compute(p.Logits, p.OutputTokens, n, TargetCount, smoothing, null, 0f, countCorrect, out long correct);
        return (sum, n, correct);
    }

    private Seq2SeqExample[] Prepare(IReadOnlyList<Seq2SeqExample> batch, float labelSmoothing)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            throw new ArgumentException("The batch is empty; at least one example is needed.", nameof(batch));
        }
        if (!(labelSmoothing >= 0f && labelSmoothing < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "labelSmoothing must be in [0, 1).");
        }
        foreach (var example in batch)
        {
            CheckExample(example, nameof(batch));
        }
        return SortByTarget(batch);
    }
}
