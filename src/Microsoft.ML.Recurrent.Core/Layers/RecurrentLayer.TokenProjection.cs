using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Layers;

public sealed partial class RecurrentLayer
{
    /// <summary>
    /// The input projection of <paramref name="m"/> rows with the biases as their starting rows: (m, in) x (G*H, in)^T + bias,
    /// from W_ih^T packed once for a frozen workspace when m is above the small-m rows (bit-identical: both take the
    /// blocked path, same panels and order).
    /// </summary>
    private static void ProjectRows(RecurrentWorkspace ws, int slot, int m, ReadOnlySpan<float> x, int inSize, int gh,
        ReadOnlySpan<float> wIh, ReadOnlySpan<float> bias, Span<float> destination)
    {
        if (ws.WeightsFrozen && m > Gemm.SmallM)
        {
            var packed = ws.PackCache!.Get(WeightPackCache.Kind.ForwardInput, slot, true, inSize, gh, wIh, inSize, 0);
            Gemm.MultiplyPacked(m, x, inSize, packed, destination, gh, accumulate: false, bias);
        }
        else
        {
            Gemm.Multiply(false, true, m, gh, inSize, x, inSize, wIh, inSize, destination, gh, accumulate: false, bias);
        }
    }

    /// <summary>
    /// The first layer's input projection of a frozen workspace from its tokens (<see cref="RecurrentWorkspace.InputTokens"/>,
    /// one per packed row, whose input rows are their embedding rows), for more rows than the small-m ones: tokens seen
    /// before are copied from the <see cref="InputProjectionCache"/>; the others (each once) are projected together from
    /// the packed W_ih^T and kept. The packed product computes every row in the blocked path's order whatever the number of
    /// rows (the small-m dot products, which a pass of at most <see cref="Gemm.SmallM"/> rows takes, sum in another order
    /// and are never cached), so the result is bit-identical to projecting the n rows.
    /// </summary>
    private static void ProjectTokens(RecurrentWorkspace ws, int d, int slot, ReadOnlySpan<int> tokens, ReadOnlySpan<float> x, int inSize,
        int gh, ReadOnlySpan<float> wIh, ReadOnlySpan<float> bias, Span<float> xg)
    {
        var cache = ws.TokenProjections;
        if (cache is null || cache.Width != gh)
        {
            cache = ws.TokenProjections = new InputProjectionCache(ws.Options.NumDirections, ws.InputTokenCount, gh, ws.TokenProjectionLimit);
        }
        int n = tokens.Length, missing = 0;
        var missingRows = Buffers.Ensure(ref ws.MissingTokenRows, n).AsSpan(0, n);
        cache.BeginPass();
        for (int r = 0; r < n; r++)
        {
            int token = tokens[r];
            if (!cache.Has(d, token) && cache.MarkPending(token, missing))
            {
                missingRows[missing++] = r;
            }
        }
        Span<float> computed = default;
        if (missing > 0)
        {
            var input = RecurrentWorkspace.Ensure(ref ws.MissingTokenInput, missing * inSize).AsSpan(0, missing * inSize);
            for (int j = 0; j < missing; j++)
            {
                x.Slice(missingRows[j] * inSize, inSize).CopyTo(input.Slice(j * inSize, inSize));
            }
            computed = RecurrentWorkspace.Ensure(ref ws.MissingTokenProjection, missing * gh).AsSpan(0, missing * gh);
            // From the packed W_ih^T at any count of rows: the blocked path's order, which the n rows would have taken.
            var packed = ws.PackCache!.Get(WeightPackCache.Kind.ForwardInput, slot, true, inSize, gh, wIh, inSize, 0);
            Gemm.MultiplyPacked(missing, input, inSize, packed, computed, gh, accumulate: false, bias);
            for (int j = 0; j < missing; j++)
            {
                cache.TryAdd(d, tokens[missingRows[j]], computed.Slice(j * gh, gh));
            }
        }
        for (int r = 0; r < n; r++)
        {
            int token = tokens[r];
            var row = cache.Has(d, token) ? cache.Row(d, token) : computed.Slice(cache.PendingIndex(token) * gh, gh);
            row.CopyTo(xg.Slice(r * gh, gh));
        }
    }
}
