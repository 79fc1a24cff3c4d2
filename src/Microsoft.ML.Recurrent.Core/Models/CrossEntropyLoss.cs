
namespace Microsoft.ML.Recurrent.Models;

/// <summary>
/// Softmax cross-entropy over the rows of a logits matrix with integer targets, PyTorch's
/// <c>nn.CrossEntropyLoss</c>: <c>loss_i = logsumexp(z_i) - z_i[y_i]</c>, computed with a stable logsumexp.
/// Rows whose target is negative are ignored (they neither count in the mean nor receive a gradient),
/// which is how padded time steps are masked out. Computed in float as PyTorch does (the exps vectorised, the sums and the
/// loss in double): the same bits at every vector width and thread count.
/// </summary>
public static class CrossEntropyLoss
{
    /// <summary>Computes the loss without a gradient.</summary>
    /// <param name="logits">Row-major logits, shape (N, C).</param>
    /// <param name="targets">Target class per row, shape (N); a negative value marks an ignored row.</param>
    /// <param name="classes">The number of classes C (at least 1).</param>
    /// <param name="reduction">Mean (default) or sum over the counted rows.</param>
    /// <param name="classWeights">Optional weight per class, shape (C); empty for unweighted.</param>
    /// <returns>The reduced loss; 0 when no row is counted (PyTorch would return NaN for a mean).</returns>
    public static double Forward(
        ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, int classes,
        LossReduction reduction = LossReduction.Mean, ReadOnlySpan<float> classWeights = default)
    {
        Validate(logits, targets, classes, classWeights);
        double total = 0;
        AddRows(logits, targets, classes, default, 0, classWeights, ref total);
        return Reduce(total, WeightSumCore(targets, classWeights), reduction);
    }

    /// <summary>
    /// Computes the loss and adds d loss / d logits into <paramref name="dLogits"/> (backward adds; the trainer zeroes).
    /// </summary>
    /// <param name="logits">Row-major logits, shape (N, C).</param>
    /// <param name="targets">Target class per row, shape (N); a negative value marks an ignored row.</param>
    /// <param name="classes">The number of classes C (at least 1).</param>
    /// <param name="dLogits">Gradient accumulator, shape (N, C); ignored rows are left untouched.</param>
    /// <param name="reduction">Mean (default) or sum over the counted rows.</param>
    /// <param name="classWeights">Optional weight per class, shape (C); empty for unweighted.</param>
    /// <returns>The reduced loss; 0 (and no gradient) when no row is counted.</returns>
    public static double ForwardBackward(
        ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, int classes, Span<float> dLogits,
        LossReduction reduction = LossReduction.Mean, ReadOnlySpan<float> classWeights = default)
    {
        Validate(logits, targets, classes, classWeights);
        if (dLogits.Length != logits.Length)
        {
            throw new ArgumentException(
                $"dLogits has {dLogits.Length} elements; it must have the same length as logits ({logits.Length}).",
                nameof(dLogits));
        }

        // The normaliser (count or sum of weights) is needed before any gradient can be scaled.
        double weightSum = WeightSumCore(targets, classWeights);
        if (weightSum == 0)
        {
            return 0;
        }
        double total = 0;
        AddRows(logits, targets, classes, dLogits, reduction == LossReduction.Mean ? 1.0 / weightSum : 1.0, classWeights, ref total);
        return Reduce(total, weightSum, reduction);
    }

    /// <summary>
    /// The sum of the counted rows' weights (their count when unweighted): the mean's normaliser. Checks the targets
    /// and the weights against the class count.
    /// </summary>
    internal static double WeightSum(ReadOnlySpan<int> targets, int classes, ReadOnlySpan<float> classWeights)
    {
        ValidateTargets(targets, classes, classWeights);
        return WeightSumCore(targets, classWeights);
    }

    /// <summary>
    /// Adds each counted row's weighted loss to <paramref name="total"/>, in row order, and, unless
    /// <paramref name="dLogits"/> is empty, its gradient times <paramref name="scale"/> into dLogits. Consecutive
    /// chunks of rows, one call each, give what one call over all the rows gives.
    /// </summary>
    internal static void AddRows(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, int classes, Span<float> dLogits,
        double scale, ReadOnlySpan<float> classWeights, ref double total)
    {
        long correct = 0;
        CrossEntropyRows.Add(logits, targets, classes, dLogits, overwrite: false, scale, classWeights, countCorrect: false, ref total, ref correct);
    }

    private static double WeightSumCore(ReadOnlySpan<int> targets, ReadOnlySpan<float> classWeights)
    {
        double weightSum = 0;
        for (int row = 0; row < targets.Length; row++)
        {
            if (targets[row] >= 0)
            {
                weightSum += classWeights.IsEmpty ? 1.0 : classWeights[targets[row]];
            }
        }
        return weightSum;
    }

    private static double Reduce(double total, double weightSum, LossReduction reduction) =>
        reduction == LossReduction.Sum ? total : weightSum == 0 ? 0 : total / weightSum;

    private static void Validate(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, int classes, ReadOnlySpan<float> classWeights)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (logits.Length != (long)targets.Length * classes)
        {
            throw new ArgumentException(
                $"logits has {logits.Length} elements; expected targets.Length * classes = {targets.Length} * {classes}.",
                nameof(logits));
        }
        ValidateTargets(targets, classes, classWeights);
    }

    private static void ValidateTargets(ReadOnlySpan<int> targets, int classes, ReadOnlySpan<float> classWeights)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (!classWeights.IsEmpty && classWeights.Length != classes)
        {
            throw new ArgumentException(
                $"classWeights has {classWeights.Length} elements; expected one per class ({classes}) or none.",
                nameof(classWeights));
        }
        for (int row = 0; row < targets.Length; row++)
        {
            if (targets[row] >= classes)
            {
                throw new ArgumentException(
                    $"targets[{row}] = {targets[row]} is out of range; allowed: 0 to {classes - 1}, or a negative value to ignore the row.",
                    nameof(targets));
            }
        }
    }
}
