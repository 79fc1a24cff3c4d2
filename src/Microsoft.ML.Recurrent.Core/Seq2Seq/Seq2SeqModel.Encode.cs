using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Seq2Seq;

// The source side of a batch: embedding, encoder, attention keys and the bridge to the decoder's initial states.
public sealed partial class Seq2SeqModel
{
    /// <summary>Throws unless the example fits the model: token ids in range, a non-empty source when there is an encoder, the feature count.</summary>
    internal void CheckExample(Seq2SeqExample example, string paramName)
    {
        ArgumentNullException.ThrowIfNull(example, paramName);
        ArgumentNullException.ThrowIfNull(example.Source, paramName);
        ArgumentNullException.ThrowIfNull(example.Target, paramName);
        if (SourceVocabulary is not null)
        {
            if (example.Source.Length == 0)
            {
                throw new ArgumentException("An example has an empty source; the encoder needs at least one token.", paramName);
            }
            CheckIds(example.Source, SourceVocabulary.Count, "source", paramName);
        }
        else if (example.Source.Length != 0)
        {
            throw new ArgumentException("This model has no source vocabulary; the examples' sources must be empty.", paramName);
        }
        CheckIds(example.Target, TargetVocabulary.Count, "target", paramName);
        int features = example.Features?.Length ?? 0;
        if (features != Options.FeatureSize)
        {
            throw new ArgumentException($"An example has {features} features; the model takes FeatureSize = {Options.FeatureSize}.", paramName);
        }
    }

    private static void CheckIds(int[] ids, int count, string side, string paramName)
    {
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)count)
            {
                throw new ArgumentException($"A {side} token id is {id}; allowed 0..{count - 1} (the {side} vocabulary's size).", paramName);
            }
        }
    }

    /// <summary>
    /// Sizes the pass for <paramref name="batch"/> (already sorted by target length, longest first) with
    /// <paramref name="steps"/> decoder steps per example, then runs the source side: the memory and the initial states.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // once per batch: hot from the first call, not after tiering
    internal void Encode(Seq2SeqPass p, IReadOnlyList<Seq2SeqExample> batch, Func<int, int> steps)
    {
        var o = Options;
        int b = batch.Count, hd = o.DecoderHiddenSize, ld = o.DecoderLayers;
        p.Batch = b;
        p.Examples = batch;
        Seq2SeqPass.Ensure(ref p.SourceLengths, b);
        var identity = Seq2SeqPass.Ensure(ref p.Identity, b);
        int s = 0, t = 0;
        for (int i = 0; i < b; i++)
        {
            identity[i] = i;
            p.SourceLengths[i] = batch[i].Source.Length;
            s = Math.Max(s, batch[i].Source.Length);
            t = Math.Max(t, steps(i));
        }
        p.SourceLength = s;
        p.Steps = t;
        var active = Seq2SeqPass.Ensure(ref p.Active, t);
        var offset = Seq2SeqPass.Ensure(ref p.Offset, t + 1);
        offset[0] = 0;
        for (int step = 0; step < t; step++)
        {
            int n = 0;
            while (n < b && steps(n) > step)
            {
                n++;
            }
            active[step] = n;
            offset[step + 1] = offset[step] + n;
        }

        if (Encoder is not null)
        {
            int es = o.SourceEmbeddingSize, de = o.EncoderOutputSize, he = o.EncoderHiddenSize;
            var x = Seq2SeqPass.Ensure(ref p.SourceEmbedded, (long)b * s * es);
            var table = W(_sourceEmbedding!);
            for (int i = 0; i < b; i++)
            {
                var source = batch[i].Source;
                for (int j = 0; j < source.Length; j++)
                {
                    table.Slice(source[j] * es, es).CopyTo(x.AsSpan((i * s + j) * es, es));
                }
            }
            var output = Seq2SeqPass.Ensure(ref p.EncoderOutput, (long)b * s * de);
            int slots = o.EncoderLayers * (o.Bidirectional ? 2 : 1);
            var hidden = Seq2SeqPass.Ensure(ref p.EncoderHidden, (long)slots * b * he);
            Encoder.Forward(p.EncoderWork!, x.AsSpan(0, b * s * es), b, s, p.SourceLengths.AsSpan(0, b), default, default,
                output.AsSpan(0, b * s * de), hidden.AsSpan(0, slots * b * he), default);
            if (o.Attention != AttentionKind.None)
            {
                int k = KeySize;
                var keys = Seq2SeqPass.Ensure(ref p.Keys, (long)b * s * k);
                Gemm.Multiply(false, true, b * s, k, de, output, de, W(_attentionKey!), de, keys, k, accumulate: false,
                    _attentionBias is null ? default : W(_attentionBias));
            }
        }

        // The bridge: h0 = tanh(u W_h^T + b_h) and (LSTM) c0 = u W_c^T + b_c per decoder layer; zeros without an input.
        var h0 = Seq2SeqPass.Ensure(ref p.InitialHidden, (long)ld * b * hd).AsSpan(0, ld * b * hd);
        var c0 = Seq2SeqPass.Ensure(ref p.InitialCell, (long)ld * b * hd).AsSpan(0, ld * b * hd);
        int u = BridgeInputSize;
        if (u == 0)
        {
            h0.Clear();
            c0.Clear();
            return;
        }
        var input = Seq2SeqPass.Ensure(ref p.BridgeInput, (long)b * u);
        int top = Encoder is null ? 0 : o.EncoderOutputSize;
        for (int i = 0; i < b; i++)
        {
            if (Encoder is not null)
            {
                int he = o.EncoderHiddenSize, directions = o.Bidirectional ? 2 : 1;
                for (int d = 0; d < directions; d++)
                {
                    int slot = (o.EncoderLayers - 1) * directions + d;
                    p.EncoderHidden.AsSpan((slot * b + i) * he, he).CopyTo(input.AsSpan(i * u + d * he, he));
                }
            }
            batch[i].Features?.CopyTo(input.AsSpan(i * u + top, o.FeatureSize));
        }
        for (int l = 0; l < ld; l++)
        {
            var h = h0.Slice(l * b * hd, b * hd);
            Gemm.Multiply(false, true, b, hd, u, input, u, W(_bridgeHidden[l]), u, h, hd, accumulate: false, W(_bridgeHiddenBias[l]));
            TensorPrimitives.Tanh(h, h);
            if (_bridgeCell.Length > 0)
            {
                Gemm.Multiply(false, true, b, hd, u, input, u, W(_bridgeCell[l]), u, c0.Slice(l * b * hd, b * hd), hd, accumulate: false, W(_bridgeCellBias[l]));
            }
            else
            {
                c0.Slice(l * b * hd, b * hd).Clear();
            }
        }
    }

    /// <summary>
    /// The backward of <see cref="Encode"/>: from the gradients on the initial states (step 0's, in
    /// <c>StateGradient</c>/<c>CellGradient</c>, (Ld, B, Hd)) and on the keys and encoder outputs to every source-side weight.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // once per batch: hot from the first call, not after tiering
    internal void EncodeBackward(Seq2SeqPass p)
    {
        var o = Options;
        int b = p.Batch, s = p.SourceLength, hd = o.DecoderHiddenSize, u = BridgeInputSize;
        if (u > 0)
        {
            var du = Seq2SeqPass.Ensure(ref p.BridgeInputGradient, (long)b * u).AsSpan(0, b * u);
            du.Clear();
            var pre = Seq2SeqPass.Ensure(ref p.PreGradient, (long)b * hd).AsSpan(0, b * hd);
            for (int l = 0; l < o.DecoderLayers; l++)
            {
                var h = p.InitialHidden.AsSpan(l * b * hd, b * hd);
                var dh = p.StateGradient.AsSpan(l * b * hd, b * hd);
                TanhBackward(h, dh, pre);
                LinearBackward(b, u, hd, p.BridgeInput, pre, _bridgeHidden[l], _bridgeHiddenBias[l], du, p);
                if (_bridgeCell.Length > 0)
                {
                    LinearBackward(b, u, hd, p.BridgeInput, p.CellGradient.AsSpan(l * b * hd, b * hd), _bridgeCell[l], _bridgeCellBias[l], du, p);
                }
            }
        }
        if (Encoder is null)
        {
            return;
        }
        int de = o.EncoderOutputSize, es = o.SourceEmbeddingSize, he = o.EncoderHiddenSize, directions = o.Bidirectional ? 2 : 1;
        int slots = o.EncoderLayers * directions;
        var dOut = p.EncoderOutputGradient.AsSpan(0, b * s * de);
        if (o.Attention != AttentionKind.None)
        {
            // keys = E K^T (+ b): dE += dKeys K, dK += dKeys^T E, db += column sums.
            LinearBackward(b * s, de, KeySize, p.EncoderOutput, p.KeysGradient.AsSpan(0, b * s * KeySize), _attentionKey!, _attentionBias, dOut, p);
        }
        var dHidden = Seq2SeqPass.Ensure(ref p.EncoderHiddenGradient, (long)slots * b * he).AsSpan(0, slots * b * he);
        dHidden.Clear();
        if (u > 0)
        {
            for (int i = 0; i < b; i++)
            {
                for (int d = 0; d < directions; d++)
                {
                    int slot = (o.EncoderLayers - 1) * directions + d;
                    p.BridgeInputGradient.AsSpan(i * u + d * he, he).CopyTo(dHidden.Slice((slot * b + i) * he, he));
                }
            }
        }
        var dx = Seq2SeqPass.Ensure(ref p.SourceEmbeddedGradient, (long)b * s * es).AsSpan(0, b * s * es);
        dx.Clear();
        Encoder.Backward(p.EncoderWork!, dOut, dHidden, default, dx, default, default);
        var table = G(_sourceEmbedding!);
        for (int i = 0; i < b; i++)
        {
            for (int j = 0; j < p.SourceLengths[i]; j++)
            {
                int id = p.Examples[i].Source[j];
                var row = table.Slice(id * es, es);
                TensorPrimitives.Add(row, dx.Slice((i * s + j) * es, es), row);
            }
        }
    }

    /// <summary>dW += dY^T X, db += column sums of dY, dX += dY W for y = x W^T + b over <paramref name="rows"/> rows.</summary>
    private void LinearBackward(int rows, int inSize, int outSize, ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
        ParameterInfo weight, ParameterInfo? bias, Span<float> dx, Seq2SeqPass p, int ldx = -1, int lddx = -1)
    {
        ldx = ldx < 0 ? inSize : ldx;
        lddx = lddx < 0 ? inSize : lddx;
        Gemm.Multiply(true, false, outSize, inSize, rows, dy, outSize, x, ldx, G(weight), inSize, accumulate: true);
        if (bias is not null)
        {
            var ones = Seq2SeqPass.Ensure(ref p.Ones, rows).AsSpan(0, rows);
            ones.Fill(1f);
            Gemm.Multiply(false, false, 1, outSize, rows, ones, rows, dy, outSize, G(bias), outSize, accumulate: true);
        }
        if (!dx.IsEmpty)
        {
            Gemm.Multiply(false, false, rows, inSize, outSize, dy, outSize, W(weight), inSize, dx, lddx, accumulate: true);
        }
    }

    /// <summary>pre = dy * (1 - y^2) for y = tanh(pre).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // once per batch: hot from the first call, not after tiering
    private static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> pre)
    {
        for (int i = 0; i < y.Length; i++)
        {
            pre[i] = dy[i] * (1f - y[i] * y[i]);
        }
    }
}
