namespace Microsoft.ML.Recurrent.Models;

/// <summary>How per-row losses are combined into one number (PyTorch's <c>reduction</c> argument).</summary>
public enum LossReduction
{
    /// <summary>
    /// One mean over every counted element together (PyTorch <c>'mean'</c>); with class weights the weighted
    /// mean <c>sum_i w[y_i] * loss_i / sum_i w[y_i]</c>. Not a mean of per-sequence means.
    /// </summary>
    Mean = 0,

    /// <summary>The plain (weighted) sum of the per-row losses (PyTorch <c>'sum'</c>).</summary>
    Sum = 1,
}
