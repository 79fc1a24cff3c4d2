using System.Numerics.Tensors;

namespace Microsoft.ML.Recurrent.Models;

public sealed partial class SequenceModel
{
    /// <summary>
    /// Width of what the head reads: <see cref="FeatureSize"/>, or three times it for a many-to-one head with
    /// <see cref="SequencePooling.Concat"/> (last, max and mean side by side).
    /// </summary>
    public int HeadInputSize => !IsPerStep && Options.Pooling == SequencePooling.Concat ? 3 * FeatureSize : FeatureSize;

    // (B, P) summary of each sequence from the top layer, P = HeadInputSize: one pooling, or Concat's [last | max | mean].
    private void Pool(ModelWorkspace ws, int count)
    {
        int width = FeatureSize, stride = HeadInputSize;
        var pooled = Engine.Buffers.Ensure(ref ws.Pooled, count * stride).AsSpan(0, count * stride);
        if (Options.Pooling != SequencePooling.Concat)
        {
            Pool(ws, Options.Pooling, count, pooled, stride, 0);
            return;
        }
        Pool(ws, SequencePooling.Last, count, pooled, stride, 0);
        Pool(ws, SequencePooling.Max, count, pooled, stride, width);
        Pool(ws, SequencePooling.Mean, count, pooled, stride, 2 * width);
    }

    // One pooling of the top layer into columns [offset, offset + D*H) of rows of `stride` floats.
    private void Pool(ModelWorkspace ws, SequencePooling pooling, int count, Span<float> pooled, int stride, int offset)
    {
        var o = Options;
        var rws = ws.Recurrent;
        var layout = rws.Layout;
        int h = o.HiddenSize, width = FeatureSize, dirs = o.IsBidirectional ? 2 : 1;
        var top = rws.LayerOutput[o.NumLayers - 1];
        switch (pooling)
        {
            case SequencePooling.Last:
                for (int d = 0; d < dirs; d++)
                {
                    int slot = (o.NumLayers - 1) * dirs + d;
                    for (int b = 0; b < count; b++)
                    {
                        rws.FinalHidden.AsSpan((slot * count + b) * h, h).CopyTo(pooled.Slice(b * stride + offset + d * h, h));
                    }
                }
                break;
            case SequencePooling.Mean:
                for (int b = 0; b < count; b++)
                {
                    var dst = pooled.Slice(b * stride + offset, width);
                    dst.Clear();
                    int len = layout.Lengths[b];
                    for (int t = 0; t < len; t++)
                    {
                        TensorPrimitives.Add(dst, top.AsSpan(layout.RowOf(b, t) * width, width), dst);
                    }
                    TensorPrimitives.Multiply(dst, 1f / len, dst);
                }
                break;
            default:
                if (!rws.KeepActivations)
                {
                    // Inference: no backward pass reads which row won, so only the values, a vector at a time.
                    for (int b = 0; b < count; b++)
                    {
                        MaxValues(top, width, layout, b, pooled.Slice(b * stride + offset, width));
                    }
                    break;
                }
                var index = ModelWorkspace.Ensure(ref ws.MaxIndex, count * width);
                for (int b = 0; b < count; b++)
                {
                    int len = layout.Lengths[b];
                    for (int j = 0; j < width; j++)
                    {
                        int bestRow = layout.RowOf(b, 0);
                        float best = top[bestRow * width + j];
                        for (int t = 1; t < len; t++)
                        {
                            int row = layout.RowOf(b, t);
                            float v = top[row * width + j];
                            if (v > best || float.IsNaN(v))
                            {
                                best = v;
                                bestRow = row;
                            }
                        }
                        pooled[b * stride + offset + j] = best;
                        index[b * width + j] = bestRow;
                    }
                }
                break;
        }
    }

    // The maximum over sequence b's steps of each of the width columns of the top output (N, width), by the scalar loop's
    // rule (a later value wins only when greater, or NaN), so the values are the same bits.
    private static void MaxValues(float[] top, int width, Layers.PackedLayout layout, int b, Span<float> destination)
    {
        int len = layout.Lengths[b];
        top.AsSpan(layout.RowOf(b, 0) * width, width).CopyTo(destination);
        int lanes = System.Numerics.Vector<float>.Count;
        for (int t = 1; t < len; t++)
        {
            var row = top.AsSpan(layout.RowOf(b, t) * width, width);
            int j = 0;
            for (; j <= width - lanes; j += lanes)
            {
                var v = new System.Numerics.Vector<float>(row[j..]);
                var best = new System.Numerics.Vector<float>(destination[j..]);
                var take = System.Numerics.Vector.GreaterThan(v, best) | ~System.Numerics.Vector.Equals(v, v);
                System.Numerics.Vector.ConditionalSelect(take, v, best).CopyTo(destination[j..]);
            }
            for (; j < width; j++)
            {
                if (row[j] > destination[j] || float.IsNaN(row[j]))
                {
                    destination[j] = row[j];
                }
            }
        }
    }

    // Routes the pooled gradient (B, P) back: into dh_n of the top layer (Last) and onto the top output rows (Mean, Max);
    // Concat routes each third by its own rule, so the three contributions add up on the shared outputs.
    private ReadOnlySpan<float> Unpool(ModelWorkspace ws, ReadOnlySpan<float> dPooled, int count, Span<float> dTop)
    {
        int width = FeatureSize, stride = HeadInputSize;
        if (Options.Pooling != SequencePooling.Concat)
        {
            return Unpool(ws, Options.Pooling, dPooled, count, dTop, stride, 0);
        }
        var dHn = Unpool(ws, SequencePooling.Last, dPooled, count, dTop, stride, 0);
        Unpool(ws, SequencePooling.Max, dPooled, count, dTop, stride, width);
        Unpool(ws, SequencePooling.Mean, dPooled, count, dTop, stride, 2 * width);
        return dHn;
    }

    private ReadOnlySpan<float> Unpool(ModelWorkspace ws, SequencePooling pooling, ReadOnlySpan<float> dPooled, int count, Span<float> dTop, int stride, int offset)
    {
        var o = Options;
        var layout = ws.Recurrent.Layout;
        int h = o.HiddenSize, width = FeatureSize, dirs = o.IsBidirectional ? 2 : 1;
        switch (pooling)
        {
            case SequencePooling.Last:
                int stateSize = o.NumLayers * dirs * count * h;
                var dHn = EnsureCleared(ref ws.FinalHiddenGradient, stateSize);
                for (int d = 0; d < dirs; d++)
                {
                    int slot = (o.NumLayers - 1) * dirs + d;
                    for (int b = 0; b < count; b++)
                    {
                        dPooled.Slice(b * stride + offset + d * h, h).CopyTo(dHn.Slice((slot * count + b) * h, h));
                    }
                }
                return dHn;
            case SequencePooling.Mean:
                for (int b = 0; b < count; b++)
                {
                    int len = layout.Lengths[b];
                    for (int t = 0; t < len; t++)
                    {
                        var dst = dTop.Slice(layout.RowOf(b, t) * width, width);
                        TensorPrimitives.MultiplyAdd(dPooled.Slice(b * stride + offset, width), 1f / len, dst, dst);
                    }
                }
                return default;
            default:
                for (int b = 0; b < count; b++)
                {
                    for (int j = 0; j < width; j++)
                    {
                        dTop[ws.MaxIndex[b * width + j] * width + j] += dPooled[b * stride + offset + j];
                    }
                }
                return default;
        }
    }
}
