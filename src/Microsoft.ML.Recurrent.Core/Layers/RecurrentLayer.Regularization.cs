using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Layers;

// Training-time regularisers of the stack (Models/RegularizationOptions): DropConnect on weight_hh and the expansion of a
// locked (per-sequence) dropout mask to every step. Inference never sets them, so it reads the weights as they are.
public sealed partial class RecurrentLayer
{
    /// <summary>The weight_hh a pass multiplies by: the parameter, or its DropConnect-masked copy while training with one.</summary>
    private ReadOnlySpan<float> HiddenWeight(RecurrentWorkspace ws, int slot)
    {
        var weight = Parameters.GetValues(_weightHh[slot]);
        return ws.WeightDropoutUsed ? ws.MaskedHiddenWeight[slot].AsSpan(0, weight.Length) : weight;
    }

    /// <summary>Draws one DropConnect mask per slot (layer, direction), in slot order, and masks a copy of each weight_hh.</summary>
    private void MaskHiddenWeights(RecurrentWorkspace ws, RandomSource random)
    {
        int slots = Options.NumLayers * Options.NumDirections;
        for (int slot = 0; slot < slots; slot++)
        {
            var weight = Parameters.GetValues(_weightHh[slot]);
            var mask = RecurrentWorkspace.Ensure(ws.HiddenWeightMask, slot, weight.Length).AsSpan(0, weight.Length);
            DropoutMask.Fill(mask, ws.WeightDropout, random);
            TensorPrimitives.Multiply(weight, mask, RecurrentWorkspace.Ensure(ws.MaskedHiddenWeight, slot, weight.Length).AsSpan(0, weight.Length));
        }
    }

    /// <summary>Copies each sequence's row of <paramref name="perSequence"/> (B, width) to every packed row (N, width) of that sequence.</summary>
    private static void ExpandPerSequence(PackedLayout layout, ReadOnlySpan<float> perSequence, int width, Span<float> packed)
    {
        var lengths = layout.Lengths;
        for (int b = 0; b < lengths.Length; b++)
        {
            var row = perSequence.Slice(b * width, width);
            for (int t = 0; t < lengths[b]; t++)
            {
                row.CopyTo(packed.Slice(layout.RowOf(b, t) * width, width));
            }
        }
    }
}
