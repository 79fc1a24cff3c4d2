using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Engine.Scheduling;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// Reusable buffers of one <see cref="RecurrentLayer"/> for one batch at a time: the activations a
/// forward pass saves for the backward pass, and the scratch of both. Buffers only grow, so repeated
/// batches of the same or smaller shape allocate nothing. Not thread-safe: use one workspace per thread.
/// </summary>
public sealed class RecurrentWorkspace
{
    internal RecurrentWorkspace(RecurrentLayerOptions options)
    {
        Options = options;
        int slots = options.NumLayers * options.NumDirections;
        Gates = new float[slots][];
        HiddenIn = new float[slots][];
        CellIn = new float[slots][];
        CellOut = new float[slots][];
        HiddenWeightMask = new float[slots][];
        MaskedHiddenWeight = new float[slots][];
        LayerOutput = new float[options.NumLayers][];
        DropoutMask = new float[options.NumLayers][];
        for (int i = 0; i < slots; i++)
        {
            Gates[i] = [];
            HiddenIn[i] = [];
            CellIn[i] = [];
            CellOut[i] = [];
            HiddenWeightMask[i] = [];
            MaskedHiddenWeight[i] = [];
        }
        for (int k = 0; k < options.NumLayers; k++)
        {
            LayerOutput[k] = [];
            DropoutMask[k] = [];
        }
        int d = options.NumDirections;
        InputProjection = new float[d][];
        HiddenProjection = new float[d][];
        State = new float[d][];
        CellState = new float[d][];
        GateGradient = new float[d][];
        HiddenGateGradient = new float[d][];
        StateGradient = new float[d][];
        CellGradient = new float[d][];
        StepGradient = new float[d][];
        PackedHiddenWeight = new PackedMatrix[d];
        PackedInputWeight = new PackedMatrix[d];
        OwnHiddenPack = new PackedMatrix[d];
        OwnInputPack = new PackedMatrix[d];
        ProjectionBias = new float[d][];
        HiddenWeightGradient = new float[d][];
        for (int i = 0; i < d; i++)
        {
            HiddenWeightGradient[i] = [];
            PackedHiddenWeight[i] = OwnHiddenPack[i] = new PackedMatrix();
            PackedInputWeight[i] = OwnInputPack[i] = new PackedMatrix();
            ProjectionBias[i] = [];
            InputProjection[i] = [];
            HiddenProjection[i] = [];
            State[i] = [];
            CellState[i] = [];
            GateGradient[i] = [];
            HiddenGateGradient[i] = [];
            StateGradient[i] = [];
            CellGradient[i] = [];
            StepGradient[i] = [];
        }
    }

    internal RecurrentLayerOptions Options { get; }

    internal PackedLayout Layout { get; } = new();

    /// <summary>Whether a forward pass has filled the saved activations (a backward pass needs one).</summary>
    internal bool HasForward { get; set; }

    /// <summary>Whether the last forward pass ran with <see cref="KeepActivations"/> false.</summary>
    internal bool ForwardKeptNothing { get; set; }

    /// <summary>Whether a backward pass has used up the last forward pass's saved activations (gate gradients overwrote them).</summary>
    internal bool BackwardConsumed { get; set; }

    /// <summary>
    /// Whether <see cref="RecurrentLayer.Forward"/> keeps every step's activations for a following
    /// <see cref="RecurrentLayer.Backward"/>. Set it to false for inference: each step's gates and states then reuse
    /// one batch-sized buffer (less memory, and what a step writes stays in cache), the outputs and final states are
    /// bit-identical, and a Backward on this workspace throws until a Forward keeps them again. Default true.
    /// </summary>
    public bool KeepActivations { get; set; } = true;

    // Saved by the forward pass, per (layer, direction) slot k*D + d; packed rows (N = sum of lengths).
    internal float[][] Gates { get; }        // (N, saved gate width)
    internal float[][] HiddenIn { get; }     // (N, H) state each step started from
    internal float[][] CellIn { get; }       // (N, H) LSTM only
    internal float[][] CellOut { get; }      // (N, H) LSTM only: tanh(c')
    internal float[][] LayerOutput { get; }  // per layer (N, D*H)
    internal float[][] DropoutMask { get; }  // per layer below the top (N, D*H): 0 or 1/(1-p)
    internal bool DropoutUsed { get; set; }
    internal bool LockedDropout;             // set by the caller before a training pass: one dropout mask per sequence, reused at every step
    internal float[] LockedMask = [];        // (B, D*H) the per-sequence mask being expanded to every step
    internal float WeightDropout;            // set by the caller before a training pass: DropConnect probability on weight_hh (0 = none)
    internal bool WeightDropoutUsed { get; set; } // the last forward pass ran on masked weight_hh (its backward must too)
    internal float[][] HiddenWeightMask { get; }   // per slot (G*H, H): 0 or 1/(1-p)
    internal float[][] MaskedHiddenWeight { get; } // per slot (G*H, H): weight_hh * mask, what the pass multiplies by
    internal float[][] HiddenWeightGradient { get; } // per direction (G*H, H): dLoss/d(masked weight_hh) before masking
    internal float[] InputPacked = [];       // (N, I) layer-0 input
    internal int[]? InputTokens;             // set by the model before a frozen forward pass: (N) the token of each layer-0 row, whose input is its embedding row; else null
    internal int InputTokenCount;            // with InputTokens: the vocabulary size (tokens are 0..count-1)
    internal InputProjectionCache? TokenProjections; // a frozen workspace's layer-0 projection per token (RecurrentLayer.ProjectTokens)
    internal long TokenProjectionLimit = InputProjectionCache.MaxFloats; // the most floats it keeps (tests set less)
    internal int[] MissingTokenRows = [];    // scratch of ProjectTokens: rows whose tokens are not kept yet, their inputs and projections
    internal float[] MissingTokenInput = [];
    internal float[] MissingTokenProjection = [];
    internal float[] FinalHidden = [];       // (L*D, B, H) original batch order
    internal float[] FinalCell = [];         // (L*D, B, H)

    // Scratch per direction.
    internal float[][] InputProjection { get; }     // (N, G*H)
    internal float[][] HiddenProjection { get; }    // (B, G*H)
    internal float[][] State { get; }               // (B, H) by rank
    internal float[][] CellState { get; }           // (B, H) by rank
    internal float[][] GateGradient { get; }        // (N, G*H) GRU's own buffer; LSTM and RNN: Gates[slot] during a layer's backward
    internal float[][] HiddenGateGradient { get; }  // Gates[slot] during a layer's backward: (N, G*H) rows of stride SavedGateWidth
    internal float[][] StateGradient { get; }       // (B, H)
    internal float[][] CellGradient { get; }        // (B, H)
    internal float[][] StepGradient { get; }        // (B, H)
    internal PackedMatrix[] PackedHiddenWeight { get; }  // W_hh^T (forward) or W_hh (backward), packed once per pass
    internal PackedMatrix[] PackedInputWeight { get; }   // W_ih^T packed for a forward loop that projects in blocks
    internal PackedMatrix[] OwnHiddenPack { get; }       // this workspace's own packs (the two above point here or into PackCache)
    internal PackedMatrix[] OwnInputPack { get; }
    internal WeightPackCache? PackCache;                 // set by a caller running one step per call: packs shared and reused
    internal float[][] ProjectionBias { get; }           // (G*H) per direction: the input projection's starting row, or empty
    internal bool ProjectInBlocks;                       // the current forward layer's loops project as they go
    internal float[][] SliceInput = [];                  // per pool item of the loops: input rows gathered for a block
    internal float[][] SliceProjection = [];             // per loop: the projection of its next steps' rows (a block)
    internal float[] LayerGradient = [];             // (N, D*H) gradient on the current layer's output
    internal float[] LayerInputGradient = [];        // (N, in_k) gradient on the current layer's input
    internal float[] Ones = [];                      // (N) all 1: bias gradients are ones^T dG, a one-row GEMM
    internal float[] BiasGradient = [];              // (G*H) column sums of one gate gradient

    // The scheduling of the time loops (Engine/Scheduling), kept here so that a pass allocates nothing.
    internal SlicePlan Slices { get; } = new();                // the current batch's slices of ranks
    internal TimeLoopScheduler Loops { get; } = new();         // runs the loops of every direction and slice on the pool
    internal RecurrentLayerWork Work { get; } = new();         // the layer's steps and weight-gradient products, for the schedulers

    /// <summary>Scheduling knobs for tests (forced slicing or block projection, thieves); <see cref="SchedulingOptions.Default"/> otherwise.</summary>
    internal SchedulingOptions Scheduling { get; set; } = SchedulingOptions.Default;

    /// <summary>
    /// Whether the layer's weights are declared constant for this workspace's life (<see cref="FreezeWeights"/>): its
    /// forward passes then keep W_ih^T and W_hh^T of every slot packed between passes instead of packing them again in
    /// each (at batch 1 the packing cost more than the arithmetic).
    /// </summary>
    internal bool WeightsFrozen { get; private set; }

    /// <summary>
    /// Declares that the layer's weights will not change while this workspace lives: for owners that only predict with a
    /// read-only model (a decoded saved model). One-way. Outputs stay bit-identical to an ordinary workspace's; a
    /// Backward, or a forward pass with weight dropout, on such a workspace throws.
    /// </summary>
    internal void FreezeWeights()
    {
        WeightsFrozen = true;
        // A pack cache that is never invalidated: each weight is packed at the first pass that needs it, then kept.
        PackCache ??= new WeightPackCache(Options);
    }

    private int[] _allLengths = [];

    /// <summary>A cached (B) array filled with T, for batches given without lengths.</summary>
    internal ReadOnlySpan<int> AllLengths(int batch, int sequenceLength)
    {
        if (_allLengths.Length < batch)
        {
            _allLengths = new int[batch];
        }
        _allLengths.AsSpan(0, batch).Fill(sequenceLength);
        return _allLengths.AsSpan(0, batch);
    }

    internal static float[] Ensure(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = GC.AllocateUninitializedArray<float>(Math.Max(length, (int)Math.Min(Array.MaxLength, (long)buffer.Length * 3 / 2)));
        }
        return buffer;
    }

    internal static float[] Ensure(float[][] buffers, int index, int length) => Ensure(ref buffers[index], length);

    /// <summary>Room for the per-item buffers of <paramref name="loops"/> pool items (directions times slices, plus test thieves).</summary>
    internal void EnsureLoops(int loops)
    {
        if (SliceInput.Length < loops)
        {
            SliceInput = [.. SliceInput, .. Enumerable.Repeat(Array.Empty<float>(), loops - SliceInput.Length)];
            SliceProjection = [.. SliceProjection, .. Enumerable.Repeat(Array.Empty<float>(), loops - SliceProjection.Length)];
        }
    }
}
