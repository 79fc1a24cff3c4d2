using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Generation;

public sealed partial class StreamingSession
{
    // Scratch of one step, reused: nothing is allocated per step.
    private readonly float[] _input;            // (max(I, H)) the layer input
    private readonly float[] _inputProjection;  // (G*H) W_ih x + b_ih
    private readonly float[] _hiddenProjection; // (G*H) W_hh h
    private readonly float[] _saved;            // (saved gate width) what the cell kernel writes besides h, c
    private readonly float[] _newHidden;        // (H)
    private readonly float[] _newCell;          // (H)
    private readonly float[] _tanhCell;         // (H) tanh(c'), scratch of the LSTM kernel
    private readonly float[] _features;         // (H) what the head reads

    /// <summary>Feeds one token through every layer and the head (token models).</summary>
    /// <param name="token">A token id in 0..VocabularySize-1.</param>
    /// <exception cref="InvalidOperationException">The model reads numeric features, not tokens.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside the vocabulary.</exception>
    public void Step(int token)
    {
        var o = _predictor.Options;
        if (!o.UsesTokens)
        {
            throw new InvalidOperationException($"This model reads {o.InputFeatures} numeric feature(s) per step, not token ids: call Step(ReadOnlySpan<float>).");
        }
        if ((uint)token >= (uint)o.VocabularySize)
        {
            throw new ArgumentOutOfRangeException(nameof(token), token, $"Token ids must be 0..{o.VocabularySize - 1} (map unknown tokens to the vocabulary's UNK id).");
        }
        int e = o.EmbeddingSize;
        _predictor.Values(_predictor.Model.Embedding!).Slice(token * e, e).CopyTo(_input);
        Advance();
    }

    /// <summary>Feeds one step of numeric features through every layer and the head (numeric models).</summary>
    /// <param name="features">InputFeatures finite values.</param>
    /// <exception cref="InvalidOperationException">The model reads token ids, not features.</exception>
    /// <exception cref="ArgumentException">The length differs from InputFeatures, or a value is not finite.</exception>
    public void Step(ReadOnlySpan<float> features)
    {
        var o = _predictor.Options;
        if (o.UsesTokens)
        {
            throw new InvalidOperationException($"This model reads token ids (0..{o.VocabularySize - 1}), not numeric features: call Step(int).");
        }
        if (features.Length != o.InputFeatures)
        {
            throw new ArgumentException($"features has {features.Length} values; this model reads InputFeatures = {o.InputFeatures} per step.", nameof(features));
        }
        for (int i = 0; i < features.Length; i++)
        {
            if (!float.IsFinite(features[i]))
            {
                throw new ArgumentException($"features[{i}] is {features[i]}; features must be finite numbers.", nameof(features));
            }
        }
        features.CopyTo(_input);
        features[..Math.Min(features.Length, _lastInput.Length)].CopyTo(_lastInput);
        Advance();
    }

    // One step with batch 1 through layers 0..L-1 (the same kernels as the full-sequence pass), then pooling and head.
    private void Advance()
    {
        var o = _predictor.Options;
        int h = o.HiddenSize, gh = _inputProjection.Length, inSize = o.StepInputSize;
        for (int k = 0; k < o.NumLayers; k++)
        {
            ReadOnlySpan<float> x = _input.AsSpan(0, inSize);
            var hPrev = _hidden.AsSpan(k * h, h);
            var xg = _inputProjection.AsSpan();
            var hg = _hiddenProjection.AsSpan();
            Gemm.Multiply(false, true, 1, gh, inSize, x, inSize, _predictor.Values(_predictor.WeightIh(k)), inSize, xg, gh, accumulate: false);
            var bIh = _predictor.Bias(_predictor.BiasIh(k));
            if (!bIh.IsEmpty)
            {
                TensorPrimitives.Add(xg, bIh, xg);
            }
            Gemm.Multiply(false, true, 1, gh, h, hPrev, h, _predictor.Values(_predictor.WeightHh(k)), h, hg, gh, accumulate: false);
            var bHh = _predictor.Bias(_predictor.BiasHh(k));
            switch (o.Cell)
            {
                case RecurrentCellKind.Lstm:
                    var cPrev = _cell.AsSpan(k * h, h);
                    LstmCell.Forward(xg, hg, bHh, cPrev, 1, h, _saved, _newCell, _tanhCell, _newHidden);
                    _newCell.CopyTo(cPrev);
                    break;
                case RecurrentCellKind.Gru:
                    GruCell.Forward(xg, hg, bHh, hPrev, 1, h, _saved, _newHidden);
                    break;
                default:
                    RnnCell.Forward(xg, hg, bHh, o.Cell == RecurrentCellKind.RnnRelu, 1, h, _newHidden);
                    break;
            }
            _newHidden.CopyTo(hPrev);
            _newHidden.CopyTo(_input, 0);
            inSize = h;
        }
        _stepCount++;
        _probabilitiesValid = false;
        Head(_hidden.AsSpan((o.NumLayers - 1) * h, h));
    }

    // The head over the top layer's output (per-step tasks, Last pooling) or the running Mean / Max summary.
    private void Head(ReadOnlySpan<float> top)
    {
        var o = _predictor.Options;
        var model = _predictor.Model;
        ReadOnlySpan<float> features = top;
        if (!model.IsPerStep && o.Pooling != SequencePooling.Last)
        {
            int h = top.Length;
            if (o.Pooling == SequencePooling.Mean)
            {
                // Same order as the batch pass: sum in step order, then scale by 1/length.
                TensorPrimitives.Add(_pooled, top, _pooled);
                TensorPrimitives.Multiply(_pooled, 1f / _stepCount, _features);
            }
            else if (o.Pooling == SequencePooling.Max)
            {
                RunningMax(_pooled, top);
                _pooled.CopyTo(_features, 0);
            }
            else
            {
                // Concat: [last | max | mean], the running maximum and sum kept as [max | sum].
                var max = _pooled.AsSpan(0, h);
                var sum = _pooled.AsSpan(h, h);
                RunningMax(max, top);
                TensorPrimitives.Add(sum, top, sum);
                top.CopyTo(_features);
                max.CopyTo(_features.AsSpan(h, h));
                TensorPrimitives.Multiply(sum, 1f / _stepCount, _features.AsSpan(2 * h, h));
            }
            features = _features;
        }
        int width = features.Length, classes = _logits.Length;
        Gemm.Multiply(false, true, 1, classes, width, features, width, _predictor.Values(model.HeadWeight), width, _logits, classes, accumulate: false);
        TensorPrimitives.Add(_logits, _predictor.Values(model.HeadBias), _logits);
        if (o.PredictChange)
        {
            TensorPrimitives.Add(_logits, _lastInput, _logits);
        }
    }

    // The running elementwise maximum (the first step sets it; NaN wins, as in the batch pass).
    private void RunningMax(Span<float> running, ReadOnlySpan<float> top)
    {
        for (int j = 0; j < top.Length; j++)
        {
            float v = top[j];
            if (_stepCount == 1 || v > running[j] || float.IsNaN(v))
            {
                running[j] = v;
            }
        }
    }
}
