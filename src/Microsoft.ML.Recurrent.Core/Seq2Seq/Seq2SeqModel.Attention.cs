using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Seq2Seq;

// Attention over the encoder's outputs, forward and backward, for n decoder rows. Row r of the step reads memory row
// memRow[r] and only its first SourceLengths[memRow[r]] positions: padded positions are never read. A row of
// "combined" is [context (De) | h (Hd)], h being the decoder's top output; the context is written in place.
public sealed partial class Seq2SeqModel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // once per batch: hot from the first call, not after tiering
    private void AttendForward(Seq2SeqPass p, ReadOnlySpan<int> memRow, int n, Span<float> combined, Span<float> weights,
        Span<float> query, Span<float> hyper)
    {
        var o = Options;
        int s = p.SourceLength, de = o.EncoderOutputSize, hd = o.DecoderHiddenSize, cw = de + hd, k = KeySize, a = o.AttentionSize;
        bool additive = o.Attention == AttentionKind.Additive;
        if (additive)
        {
            Gemm.Multiply(false, true, n, a, hd, combined[de..], cw, W(_attentionQuery!), hd, query, a, accumulate: false);
        }
        ReadOnlySpan<float> v = additive ? W(_attentionVector!) : default;
        for (int r = 0; r < n; r++)
        {
            int m = memRow[r], len = p.SourceLengths[m];
            var h = combined.Slice(r * cw + de, hd);
            var w = weights.Slice(r * s, s);
            w[len..].Clear();
            for (int j = 0; j < len; j++)
            {
                var key = p.Keys.AsSpan((m * s + j) * k, k);
                if (additive)
                {
                    var z = hyper.Slice((r * s + j) * a, a);
                    TensorPrimitives.Add(query.Slice(r * a, a), key, z);
                    TensorPrimitives.Tanh(z, z);
                    w[j] = TensorPrimitives.Dot(v, z);
                }
                else
                {
                    w[j] = TensorPrimitives.Dot(h, key);
                }
            }
            // Softmax after subtracting the largest score (TensorPrimitives.SoftMax alone overflows past e^88).
            TensorPrimitives.Subtract(w[..len], TensorPrimitives.Max(w[..len]), w[..len]);
            TensorPrimitives.SoftMax(w[..len], w[..len]);
            var context = combined.Slice(r * cw, de);
            context.Clear();
            for (int j = 0; j < len; j++)
            {
                TensorPrimitives.MultiplyAdd(p.EncoderOutput.AsSpan((m * s + j) * de, de), w[j], context, context);
            }
        }
    }

    /// <summary>
    /// From d context (the first De columns of <paramref name="dCombined"/>) to d h (added into its last Hd columns),
    /// d keys and d encoder outputs (added into the pass's buffers) and the additive attention's weights.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // once per batch: hot from the first call, not after tiering
    private void AttendBackward(Seq2SeqPass p, ReadOnlySpan<int> memRow, int n, ReadOnlySpan<float> combined,
        ReadOnlySpan<float> weights, ReadOnlySpan<float> hyper, Span<float> dCombined)
    {
        var o = Options;
        int s = p.SourceLength, de = o.EncoderOutputSize, hd = o.DecoderHiddenSize, cw = de + hd, k = KeySize, a = o.AttentionSize;
        bool additive = o.Attention == AttentionKind.Additive;
        var ds = Seq2SeqPass.Ensure(ref p.ScoreGradient, s).AsSpan(0, s);
        var dz = Seq2SeqPass.Ensure(ref p.HyperGradient, a).AsSpan(0, a);
        var dq = additive ? Seq2SeqPass.Ensure(ref p.QueryGradient, (long)n * a).AsSpan(0, n * a) : default;
        dq.Clear();
        ReadOnlySpan<float> v = additive ? W(_attentionVector!) : default;
        Span<float> dv = additive ? G(_attentionVector!) : default;
        var dKeys = p.KeysGradient.AsSpan();
        var dMemory = p.EncoderOutputGradient.AsSpan();
        for (int r = 0; r < n; r++)
        {
            int m = memRow[r], len = p.SourceLengths[m];
            var w = weights.Slice(r * s, len);
            var dContext = dCombined.Slice(r * cw, de);
            for (int j = 0; j < len; j++)
            {
                int at = (m * s + j) * de;
                ds[j] = TensorPrimitives.Dot(dContext, p.EncoderOutput.AsSpan(at, de));
                var dm = dMemory.Slice(at, de);
                TensorPrimitives.MultiplyAdd(dContext, w[j], dm, dm);
            }
            // Softmax backward: ds_j = a_j (da_j - sum_i a_i da_i).
            float dot = TensorPrimitives.Dot(w, ds[..len]);
            for (int j = 0; j < len; j++)
            {
                ds[j] = w[j] * (ds[j] - dot);
            }
            var h = combined.Slice(r * cw + de, hd);
            var dh = dCombined.Slice(r * cw + de, hd);
            for (int j = 0; j < len; j++)
            {
                var dKey = dKeys.Slice((m * s + j) * k, k);
                if (additive)
                {
                    var z = hyper.Slice((r * s + j) * a, a);
                    TensorPrimitives.MultiplyAdd(z, ds[j], dv, dv);
                    TensorPrimitives.Multiply(z, z, dz);
                    TensorPrimitives.Subtract(1f, dz, dz);
                    TensorPrimitives.Multiply(dz, v, dz);
                    TensorPrimitives.Multiply(dz, ds[j], dz);
                    var dqr = dq.Slice(r * a, a);
                    TensorPrimitives.Add(dqr, dz, dqr);
                    TensorPrimitives.Add(dKey, dz, dKey);
                }
                else
                {
                    TensorPrimitives.MultiplyAdd(p.Keys.AsSpan((m * s + j) * k, k), ds[j], dh, dh);
                    TensorPrimitives.MultiplyAdd(h, ds[j], dKey, dKey);
                }
            }
        }
        if (additive)
        {
            LinearBackward(n, hd, a, combined[de..], dq, _attentionQuery!, null, dCombined[de..], p, ldx: cw, lddx: cw);
        }
    }
}
