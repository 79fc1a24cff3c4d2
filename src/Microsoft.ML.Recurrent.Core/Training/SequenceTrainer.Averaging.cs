using System.Numerics.Tensors;

namespace Microsoft.ML.Recurrent.Training;

public sealed partial class SequenceTrainer
{
    private float[]? _average;     // (P) the exponential moving average of the weights, after the first step
    private float[]? _rawWeights;  // (the trained count) the raw weights while the model holds the average (validation, or after a run)

    // avg = d·avg + (1 − d)·w after an optimizer step, d = min(decay, (1 + t) / (10 + t)) at step t (TensorFlow's
    // ExponentialMovingAverage with num_updates: a short run is not dominated by its first weights); the first step copies.
    // t is the trainer's step count, so a resumed run averages exactly as an uninterrupted one.
    private void UpdateAverage()
    {
        if (Options.AveragingDecay is not double decay)
        {
            return;
        }
        var weights = _model.Parameters.Values;
        if (_average is null)
        {
            _average = (float[])weights.Clone();
            return;
        }
        double d = Math.Min(decay, (1.0 + _step) / (10.0 + _step));
        // Only the trained parameters move; a kept n-gram part's average stays the copy, bit for bit.
        var average = _average.AsSpan(0, _trainedCount);
        TensorPrimitives.Lerp(average, weights.AsSpan(0, _trainedCount), (float)(1 - d), average);
    }

    // Puts the averaged weights into the model, keeping the raw ones aside (no-op without averaging or before a step).
    // Only the trained parameters are averaged: a kept n-gram part is never written, so a change to it between two Fit
    // calls (its temperature folded in) stays.
    private void UseAverage()
    {
        if (_average is null || _rawWeights is not null)
        {
            return;
        }
        _rawWeights = _model.Parameters.Values.AsSpan(0, _trainedCount).ToArray();
        _average.AsSpan(0, _trainedCount).CopyTo(_model.Parameters.Values);
    }

    // Puts the raw weights back after UseAverage, so training continues from them.
    private void UseRaw()
    {
        if (KeptRawWeights() is not { } raw)
        {
            return;
        }
        raw.CopyTo(_model.Parameters.Values, 0);
        _rawWeights = null;
    }

    // Every parameter as training left it: the model's values, with the kept raw weights in place of the average.
    private float[] RawParameterValues()
    {
        var values = _model.Parameters.Values;
        if (KeptRawWeights() is not { } raw)
        {
            return values;
        }
        var copy = (float[])values.Clone();
        raw.CopyTo(copy, 0);
        return copy;
    }

    // The raw weights kept by UseAverage while the model still holds exactly the average. When the caller has changed the
    // model since (SetValues, a temperature folded into the head between two Fit calls), the model's weights win: the
    // kept raw ones are dropped rather than written back over the caller's change.
    private float[]? KeptRawWeights()
    {
        if (_rawWeights is not null && (_average is null || !_model.Parameters.Values.AsSpan(0, _trainedCount).SequenceEqual(_average.AsSpan(0, _trainedCount))))
        {
            _rawWeights = null;
        }
        return _rawWeights;
    }
}
