using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Seq2Seq;

/// <summary>
/// The buffers of one batch through a <see cref="Seq2SeqModel"/>: the encoded memory, the decoder's states and, for
/// training, every step's activations in packed rows (step t's active rows start at <see cref="Offset"/>[t]; rows are
/// sorted by decoder length, longest first, so a step's active rows are a prefix). Buffers only grow. One per thread.
/// </summary>
internal sealed class Seq2SeqPass
{
    internal Seq2SeqPass(Seq2SeqModel model, bool train)
    {
        Train = train;
        if (model.Encoder is not null)
        {
            EncoderWork = model.Encoder.CreateWorkspace();
            EncoderWork.KeepActivations = train;
        }
        DecoderPacks = new WeightPackCache(model.Decoder.Options);
        DecoderInference = model.Decoder.CreateWorkspace();
        DecoderInference.KeepActivations = false;
        DecoderInference.PackCache = model.CacheDecoderPacks ? DecoderPacks : null;
        _cachePacks = model.CacheDecoderPacks;
    }

    private readonly bool _cachePacks;

    /// <summary>Whether this pass's decoder steps share <see cref="DecoderPacks"/> (the model's setting when it was made).</summary>
    internal bool CachesPacks => _cachePacks;

    internal bool Train { get; }

    // The batch, sorted by decoder steps (target length + 1), longest first.
    internal int Batch;
    internal IReadOnlyList<Seq2SeqExample> Examples = [];
    internal int SourceLength;               // S, the padded source length (0 without a source)
    internal int Steps;                      // T, the most decoder steps
    internal int[] SourceLengths = [];       // (B)
    internal int[] Active = [];              // (T) rows active at step t
    internal int[] Offset = [];              // (T + 1) first packed row of step t; Offset[T] = N
    internal int[] InputTokens = [];         // (N) decoder input token of each packed row (BOS, then the target)
    internal int[] OutputTokens = [];        // (N) the token each packed row must predict (the target, then EOS)
    internal int[] Identity = [];            // (B) 0..B-1: row r attends memory row r

    // Encoder and memory.
    internal RecurrentWorkspace? EncoderWork;
    internal float[] SourceEmbedded = [];    // (B, S, Es)
    internal float[] EncoderOutput = [];     // (B, S, De)
    internal float[] EncoderHidden = [];     // (Le*D, B, He)
    internal float[] Keys = [];              // (B, S, K)
    internal float[] BridgeInput = [];       // (B, U)
    internal float[] InitialHidden = [];     // (Ld, B, Hd) after the bridge's tanh
    internal float[] InitialCell = [];       // (Ld, B, Hd)

    // Decoder state of the current step, (Ld, n, Hd), and its next value.
    internal float[] Hidden = [];
    internal float[] Cell = [];
    internal float[] NextHidden = [];
    internal float[] NextCell = [];
    internal float[] StepInput = [];         // (B, Din)
    internal float[] StepOutput = [];        // (B, Hd)
    internal readonly List<RecurrentWorkspace> DecoderWork = [];
    internal RecurrentWorkspace DecoderInference;
    internal WeightPackCache DecoderPacks;   // the decoder's packed weights, shared by every step; invalidated per batch

    // Per packed row (N) for training; for inference the current step's rows.
    internal float[] Combined = [];          // (N, De + Hd) [context; h]
    internal float[] Weights = [];           // (N, S) attention weights
    internal float[] Query = [];             // (N, A) additive only: W_q h
    internal float[] Hyper = [];             // (N, S, A) additive only: tanh(W_q h + U e + b)
    internal float[] Attentional = [];       // (N, Hd) the attentional state h~ (or h without attention)
    internal float[] Logits = [];            // (N, V)
    internal float[] Feed = [];              // (n, Hd) decoding: the previous step's attentional states

    // Gradients.
    internal float[] LogitsGradient = [];     // (N, V) training: the logits buffer itself, overwritten by the loss
    internal float[] AttentionalGradient = [];   // (N, Hd)
    internal float[] CombinedGradient = [];      // (B, De + Hd)
    internal float[] PreGradient = [];           // (B, Hd) the bridge's
    internal float[] CombinePreGradient = [];    // (N, Hd) d pre-tanh of the combine layer, every packed row
    internal float[] QueryGradient = [];         // (B, A)
    internal float[] HiddenGradient = [];        // (B, Hd) gradient on the decoder's top output
    internal float[] StepInputGradient = [];     // (B, Din)
    internal float[] StateGradient = [];         // (Ld, B, Hd) dh into the step (then out of it)
    internal float[] CellGradient = [];
    internal float[] NextStateGradient = [];
    internal float[] NextCellGradient = [];
    internal float[] KeysGradient = [];          // (B, S, K)
    internal float[] EncoderOutputGradient = []; // (B, S, De)
    internal float[] EncoderHiddenGradient = []; // (Le*D, B, He)
    internal float[] SourceEmbeddedGradient = [];// (B, S, Es)
    internal float[] BridgeInputGradient = [];   // (B, U)
    internal float[] Ones = [];
    internal float[] DecoderGates = [];          // (N, G*Hd) every step's decoder gate gradients, for one weight product
    internal float[] DecoderInputs = [];         // (N, Din) every step's decoder input (a layer's, in turn)
    internal float[] DecoderHiddenIn = [];       // (N, Hd) the state every step started from
    internal float[] DecoderOnes = [];
    internal float[] ScoreGradient = [];         // (S)
    internal float[] HyperGradient = [];         // (A)

    internal RecurrentWorkspace StepWork(Seq2SeqModel model, int t)
    {
        while (DecoderWork.Count <= t)
        {
            var work = model.Decoder.CreateWorkspace();
            work.PackCache = _cachePacks ? DecoderPacks : null;
            DecoderWork.Add(work);
        }
        return DecoderWork[t];
    }

    internal static float[] Ensure(ref float[] buffer, long length)
    {
        if (length > Array.MaxLength)
        {
            throw new ArgumentException($"The batch needs a buffer of {length} floats, more than one array holds; use smaller batches or shorter sequences.");
        }
        if (buffer.Length < length)
        {
            buffer = new float[Math.Max(length, Math.Min(Array.MaxLength, buffer.Length * 3L / 2))];
        }
        return buffer;
    }

    internal static int[] Ensure(ref int[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new int[Math.Max(length, buffer.Length * 3 / 2)];
        }
        return buffer;
    }
}
