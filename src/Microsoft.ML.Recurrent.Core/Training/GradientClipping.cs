using System.Numerics.Tensors;

namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// Gradient clipping over the one flat gradient buffer of a model (PyTorch's <c>clip_grad_norm_</c> with
/// <c>norm_type=2</c> over all parameters together, and <c>clip_grad_value_</c>).
/// </summary>
public static class GradientClipping
{
    // Chunks keep the vectorised float sum of squares short; the chunk sums accumulate in double.
    private const int ChunkLength = 1024;

    /// <summary>The L2 norm of the whole gradient buffer, <c>sqrt(sum g^2)</c>, accumulated in double.</summary>
    /// <param name="gradients">The flat gradient buffer.</param>
    /// <returns>The norm; NaN or +infinity when some gradient is not finite.</returns>
    public static double GlobalNorm(ReadOnlySpan<float> gradients)
    {
        double sum = 0;
        for (int start = 0; start < gradients.Length; start += ChunkLength)
        {
            ReadOnlySpan<float> chunk = gradients.Slice(start, Math.Min(ChunkLength, gradients.Length - start));
            // Squares of floats above ~1.8e19 overflow in float; recompute such a chunk in double.
            float chunkSum = TensorPrimitives.SumOfSquares(chunk);
            if (float.IsFinite(chunkSum))
            {
                sum += chunkSum;
            }
            else
            {
                foreach (float g in chunk)
                {
                    sum += (double)g * g;
                }
            }
        }
        return Math.Sqrt(sum);
    }

    /// <summary>
    /// Scales all gradients by <c>coef = maxNorm / (norm + 1e-6)</c> when <c>coef &lt; 1</c>
    /// (PyTorch <c>clip_grad_norm_</c>); leaves them unchanged otherwise.
    /// </summary>
    /// <remarks>
    /// Non-finite norms follow PyTorch's default <c>error_if_nonfinite=False</c>: nothing is thrown, the
    /// gradients are still multiplied by the (zero or NaN) coefficient, and the returned norm is NaN or
    /// infinity. A training loop should test <c>double.IsFinite</c> on the result and skip the optimizer step;
    /// pass <paramref name="errorIfNonFinite"/> = true to get an exception instead (gradients then untouched).
    /// </remarks>
    /// <param name="gradients">The flat gradient buffer, scaled in place.</param>
    /// <param name="maxNorm">The largest allowed L2 norm; must be positive and finite.</param>
    /// <param name="errorIfNonFinite">Throw <see cref="InvalidOperationException"/> when the norm is NaN or infinite.</param>
    /// <returns>The total norm before clipping.</returns>
    public static double ClipByGlobalNorm(Span<float> gradients, double maxNorm, bool errorIfNonFinite = false)
    {
        if (!(maxNorm > 0) || !double.IsFinite(maxNorm))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, $"maxNorm must be positive and finite; got {maxNorm}.");
        }
        double norm = GlobalNorm(gradients);
        if (errorIfNonFinite && !double.IsFinite(norm))
        {
            throw new InvalidOperationException(
                $"The total gradient norm is {norm}; gradients were left unchanged. Skip this step or lower the learning rate.");
        }
        // PyTorch does this in float32: total_norm is a float tensor, coef = max_norm / (total_norm + 1e-6).
        float coef = (float)maxNorm / ((float)norm + 1e-6f);
        if (!(coef >= 1f))
        {
            TensorPrimitives.Multiply(gradients, coef, gradients);
        }
        return norm;
    }

    /// <summary>Clamps every gradient to <c>[-clipValue, clipValue]</c> (PyTorch <c>clip_grad_value_</c>).</summary>
    /// <param name="gradients">The flat gradient buffer, clamped in place.</param>
    /// <param name="clipValue">The largest allowed magnitude; must be positive.</param>
    public static void ClipByValue(Span<float> gradients, float clipValue)
    {
        if (!(clipValue > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(clipValue), clipValue, $"clipValue must be positive; got {clipValue}.");
        }
        TensorPrimitives.Clamp(gradients, -clipValue, clipValue, gradients);
    }
}
