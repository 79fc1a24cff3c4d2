namespace Microsoft.ML.Recurrent.Models;

/// <summary>
/// Mean squared error over all elements, PyTorch's <c>nn.MSELoss(reduction='mean')</c>:
/// <c>loss = sum_i (p_i - t_i)^2 / N</c>.
/// </summary>
public static class MeanSquaredErrorLoss
{
    /// <summary>Computes the loss without a gradient.</summary>
    /// <param name="predictions">Predictions, shape (N).</param>
    /// <param name="targets">Targets, shape (N).</param>
    /// <returns>The mean of the squared differences; 0 for empty inputs.</returns>
    public static double Forward(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets)
    {
        Validate(predictions, targets);
        double total = 0;
        for (int i = 0; i < predictions.Length; i++)
        {
            double diff = (double)predictions[i] - targets[i];
            total += diff * diff;
        }
        return predictions.IsEmpty ? 0 : total / predictions.Length;
    }

    /// <summary>Computes the loss and adds <c>2 (p_i - t_i) / N</c> into <paramref name="dPredictions"/>.</summary>
    /// <param name="predictions">Predictions, shape (N).</param>
    /// <param name="targets">Targets, shape (N).</param>
    /// <param name="dPredictions">Gradient accumulator, shape (N).</param>
    /// <returns>The mean of the squared differences; 0 for empty inputs.</returns>
    public static double ForwardBackward(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, Span<float> dPredictions)
    {
        Validate(predictions, targets);
        if (dPredictions.Length != predictions.Length)
        {
            throw new ArgumentException(
                $"dPredictions has {dPredictions.Length} elements; it must match predictions ({predictions.Length}).",
                nameof(dPredictions));
        }
        if (predictions.IsEmpty)
        {
            return 0;
        }
        double scale = 2.0 / predictions.Length;
        double total = 0;
        for (int i = 0; i < predictions.Length; i++)
        {
            double diff = (double)predictions[i] - targets[i];
            total += diff * diff;
            dPredictions[i] += (float)(scale * diff);
        }
        return total / predictions.Length;
    }

    private static void Validate(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets)
    {
        if (predictions.Length != targets.Length)
        {
            throw new ArgumentException(
                $"targets has {targets.Length} elements; it must match predictions ({predictions.Length}).",
                nameof(targets));
        }
    }
}
