using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Models;

public sealed partial class SequenceModel
{
    /// <summary>
    /// <see cref="SequenceModelOptions.PredictChange"/>: keeps each sequence's last step's first O input features (B, O)
    /// for the head's output to add (scaled as the input is, when <paramref name="inputScales"/> scales it). No-op otherwise.
    /// </summary>
    private void GatherLastInputs(ModelWorkspace ws, ReadOnlySpan<SequenceExample> batch, ReadOnlySpan<float> inputScales)
    {
        if (!Options.PredictChange)
        {
            return;
        }
        int outputs = Options.HeadOutputs, features = Options.InputFeatures;
        var last = Buffers.Ensure(ref ws.LastInputs, batch.Length * outputs);
        for (int b = 0; b < batch.Length; b++)
        {
            var step = batch[b].Features.AsSpan(batch[b].Features!.Length - features, outputs);
            var row = last.AsSpan(b * outputs, outputs);
            if (inputScales.IsEmpty)
            {
                step.CopyTo(row);
            }
            else
            {
                TensorPrimitives.Multiply(step, inputScales[b], row);
            }
        }
    }

    /// <summary>Adds the last inputs of rows [r0, r0 + count) to their outputs (the skip connection of PredictChange). No-op otherwise.</summary>
    private void AddLastInputs(ModelWorkspace ws, int r0, int count, Span<float> outputs)
    {
        if (!Options.PredictChange)
        {
            return;
        }
        int width = Options.HeadOutputs;
        TensorPrimitives.Add(outputs[..(count * width)], ws.LastInputs.AsSpan(r0 * width, count * width), outputs[..(count * width)]);
    }
}
