namespace Microsoft.ML.Recurrent.Engine.Scheduling;

/// <summary>
/// Two independent products that write different outputs (the weight gradients dW_ih and dW_hh of one direction), as
/// items 0 and 1 of one work item. On two threads, when the two are about the same size, each runs whole on one thread:
/// no split of either product to pay for. Otherwise they run one after the other, each on every thread the GEMM uses.
/// Each product's sums do not depend on the thread running it, so the results are the same either way.
/// </summary>
internal static class ProductPair
{
    /// <summary>Runs <paramref name="pair"/>'s items 0 and 1, side by side when <paramref name="firstSize"/> and <paramref name="secondSize"/> (a dimension that sets each product's work) are within 5:4.</summary>
    public static void Run(IWorkItem pair, int firstSize, int secondSize)
    {
        if (ComputeSettings.MaxThreads == 2 && 4L * Math.Max(firstSize, secondSize) <= 5L * Math.Min(firstSize, secondSize))
        {
            WorkerPool.Run(2, pair);
        }
        else
        {
            pair.Invoke(0);
            pair.Invoke(1);
        }
    }
}
