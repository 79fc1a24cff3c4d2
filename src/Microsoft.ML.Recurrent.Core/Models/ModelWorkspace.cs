using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Models;

/// <summary>
/// Reusable buffers of one <see cref="SequenceModel"/> for one batch at a time (forward, loss and backward).
/// Buffers only grow. Not thread-safe: one workspace per thread.
/// </summary>
public sealed class ModelWorkspace
{
    internal ModelWorkspace(SequenceModel model)
    {
        Model = model;
        Recurrent = model.Recurrent.CreateWorkspace();
    }

    internal SequenceModel Model { get; }

    internal RecurrentWorkspace Recurrent { get; }

    /// <summary>
    /// Logits (and as many logit gradients) a pass computes at a time: a head of more rows x classes runs in chunks of
    /// rows. 2^26 floats (256 MB) keep every usual batch in one chunk; tests lower it per workspace.
    /// </summary>
    internal long HeadChunkFloats { get; set; } = 1L << 26;

    /// <summary>The regularisers a training pass applies (set by the trainer); evaluation and inference ignore them.</summary>
    internal RegularizationOptions? Regularization { get; set; }

    /// <summary>The regularisers the last forward pass applied (null for none): its backward pass applies the same masks.</summary>
    internal RegularizationOptions? Applied { get; set; }

    internal int[] Lengths = [];
    internal int[] Targets = [];            // (rows) class per head row, -1 = none
    internal int[] MaxIndex = [];           // (B, D*H) packed row of the maximum (max pooling)
    internal float[] Pooled = [];           // (B, D*H)
    internal float[] Logits = [];           // (rows, C)
    internal float[] LogitsGradient = [];   // (rows, C)
    internal float[] PooledGradient = [];   // (B, D*H)
    internal float[] FinalHiddenGradient = []; // (L*D, B, H)
    internal float[] RegressionTargets = []; // (B, O)
    internal float[] LastInputs = [];       // (B, O) PredictChange: each sequence's last step's first O features
    internal float[] EmbeddingMask = [];    // (V) embedding dropout: 0 or 1/(1-p) per word type
    internal float[] InputMask = [];        // (B, E) locked dropout on the embedding output
    internal float[] OutputMask = [];       // (B, D*H) locked dropout on what the head reads
    internal int[] CharStarts = [];         // (n + 1) start of each packed row's character ids in CharIds
    internal int[] CharRowSource = [];      // (n, 2) example and step of each packed row
    internal int[] CharIds = [];            // (total characters) character ids in packed row order
    internal int[] CharMaxWindow = [];      // (n, W*F) window of each filter's maximum
    internal float[] CharOutput = [];       // (n, W*F) tanh(max + bias): the character features
    internal float[] CharColumns = [];      // (windows, w*Ec) im2col, k-major
    internal float[] CharConv = [];         // (windows, F)
    internal float[] CharFilter = [];       // (F, w*Ec) one width's filters, k-major
    internal float[] CharFilterGradient = []; // (F, w*Ec)
    internal int[] NgramStarts = [];        // (B + 1) start of each sequence's n-gram buckets in NgramIds
    internal int[] NgramIds = [];           // (occurrences) the bucket of every n-gram occurrence
    internal int[] RowTokens = [];          // (N) the token of each packed layer-0 row, for a frozen workspace's projection cache
    internal float[] NgramScales = [];      // (B) scale of each sequence's n-gram features (1, or the input scale)
    internal float[] RecurrentLogits = [];  // (rows, C) n-gram ensemble: the recurrent part's logits
    internal float[] NgramLogits = [];      // (rows, C) n-gram ensemble: the n-gram part's logits
    internal float[] NgramLogitsGradient = []; // (rows, C) n-gram ensemble: the gradient on the n-gram part's logits

    /// <summary>
    /// Which logits an n-gram ensemble's head gives in this workspace (<see cref="SequenceModelOptions.NgramEnsemble"/>):
    /// the mean of the parts' probabilities (inference), or one part's (the trainer's per-part early stopping, calibration).
    /// </summary>
    internal EnsembleView EnsembleView { get; set; }

    /// <summary>Rows of the head in the last pass: the batch size (many-to-one) or the packed step count (per step).</summary>
    internal int HeadRows { get; set; }

    internal static int[] Ensure(ref int[] buffer, int length) => Engine.Buffers.Ensure(ref buffer, length);
}
