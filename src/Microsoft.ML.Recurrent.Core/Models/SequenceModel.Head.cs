using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Models;

public sealed partial class SequenceModel
{
    /// <summary>
    /// Forward through the whole model; leaves the head's output of every row in <c>ws.Logits</c> (rows, C).
    /// keepActivations: whether a backward pass follows (false keeps one step's activations, reused).
    /// </summary>
    /// <exception cref="ArgumentException">The batch is too large: rows x C logits do not fit in one array.</exception>
    internal void Forward(ModelWorkspace ws, ReadOnlySpan<SequenceExample> batch, bool training, RandomSource? dropoutRandom,
        ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> initialCell, bool keepActivations = false)
    {
        ForwardFeatures(ws, batch, training, dropoutRandom, initialHidden, initialCell, keepActivations);
        HeadLogits(ws, 0, ws.HeadRows);
    }

    /// <summary>
    /// Forward through the model with the head computed only for rows [firstRow, firstRow + rowCount) (packed rows; for
    /// one sequence, row t is step t): e.g. the last step of a language model, whatever the length and vocabulary.
    /// Returns their logits (rowCount, C), bit-identical to those rows of <see cref="Forward"/>: fewer rows than the GEMM's
    /// small-m path takes are computed among their neighbours (SmallM + 1 rows), as a call over every row computes them.
    /// </summary>
    internal ReadOnlySpan<float> ForwardRows(ModelWorkspace ws, ReadOnlySpan<SequenceExample> batch, int firstRow, int rowCount)
    {
        ForwardFeatures(ws, batch, training: false, null, default, default, keepActivations: false);
        ArgumentOutOfRangeException.ThrowIfNegative(firstRow);
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(firstRow, ws.HeadRows - rowCount);
        int from = firstRow, to = firstRow + rowCount;
        if (to - from <= Gemm.SmallM)
        {
            from = Math.Max(0, to - (Gemm.SmallM + 1));
            to = Math.Min(ws.HeadRows, from + Gemm.SmallM + 1);
        }
        int classes = Options.HeadOutputs;
        return HeadLogits(ws, from, to - from).Slice((firstRow - from) * classes, rowCount * classes);
    }

    /// <summary>
    /// The head's output for rows [r0, r0 + count) of its input: (count, C) at the start of <c>ws.Logits</c>.
    /// Each row is bit-identical to the same row of a call over every row (both take the blocked GEMM path whenever
    /// the chunk has more than the small-m rows, which <see cref="ChunkLength"/> ensures). An n-gram ensemble gives the
    /// logits of the workspace's <see cref="ModelWorkspace.EnsembleView"/> and keeps both parts' (<see cref="EnsembleLogits"/>).
    /// </summary>
    private Span<float> HeadLogits(ModelWorkspace ws, int r0, int count)
    {
        int classes = Options.HeadOutputs, width = HeadInputSize;
        long floats = (long)count * classes;
        if (floats > Array.MaxLength)
        {
            throw new ArgumentException(
                $"The head's output of {count} rows x {classes} outputs is {floats} floats, more than one array holds (Array.MaxLength = {Array.MaxLength}). Use shorter sequences or smaller batches.");
        }
        var features = HeadInput(ws).Slice(r0 * width, count * width);
        var logits = Buffers.Ensure(ref ws.Logits, (int)floats).AsSpan(0, (int)floats);
        Gemm.Multiply(false, true, count, classes, width, features, width, Parameters.GetValues(_headWeight), width, logits, classes, accumulate: false);
        var bias = Parameters.GetValues(_headBias);
        for (int r = 0; r < count; r++)
        {
            TensorPrimitives.Add(logits.Slice(r * classes, classes), bias, logits.Slice(r * classes, classes));
        }
        AddLastInputs(ws, r0, count, logits);
        if (Options.NgramEnsemble)
        {
            EnsembleLogits(ws, r0, count, logits);
        }
        else if (_ngramWeight is not null)
        {
            AddNgramLogits(ws, r0, count, logits);
        }
        return logits;
    }

    /// <summary>
    /// The head's backward for rows [r0, r0 + count): dW += dLogits^T features; db += column sums; and the gradient on
    /// those rows of the head's input (the top layer's output for per-step heads, else the pooled summary).
    /// Called for consecutive chunks, it adds in the order of one call: rows in order, whole KC blocks for dW.
    /// In an n-gram ensemble dLogits is the recurrent part's alone (the n-gram part's backward is its own).
    /// </summary>
    private void HeadBackward(ModelWorkspace ws, int r0, int count, ReadOnlySpan<float> dLogits)
    {
        var o = Options;
        var rws = ws.Recurrent;
        int classes = o.HeadOutputs, width = HeadInputSize;
        var features = HeadInput(ws).Slice(r0 * width, count * width);
        Gemm.Multiply(true, false, classes, width, count, dLogits, classes, features, width, Parameters.GetGradients(_headWeight), width, accumulate: true);
        var dBias = Parameters.GetGradients(_headBias);
        for (int r = 0; r < count; r++)
        {
            TensorPrimitives.Add(dBias, dLogits.Slice(r * classes, classes), dBias);
        }
        if (_ngramWeight is not null && !o.NgramEnsemble)
        {
            NgramBackward(ws, r0, count, dLogits);
        }
        int rows = ws.HeadRows;
        Span<float> dInput = IsPerStep
            ? RecurrentWorkspace.Ensure(ref rws.LayerGradient, rows * width).AsSpan(0, rows * width)
            : Buffers.Ensure(ref ws.PooledGradient, rows * width).AsSpan(0, rows * width);
        Gemm.Multiply(false, false, count, width, classes, dLogits, classes, Parameters.GetValues(_headWeight), width,
            dInput.Slice(r0 * width, count * width), width, accumulate: false);
    }

    // (rows, D*H) what the head reads: every step's top output (per step) or the pooled summary of each sequence.
    private ReadOnlySpan<float> HeadInput(ModelWorkspace ws)
    {
        int rows = ws.HeadRows, width = HeadInputSize;
        return IsPerStep ? ws.Recurrent.LayerOutput[Options.NumLayers - 1].AsSpan(0, rows * width) : ws.Pooled.AsSpan(0, rows * width);
    }

    /// <summary>
    /// Rows of the head per chunk: all of them when rows x C logits fit in <paramref name="chunkFloats"/>
    /// (<see cref="ModelWorkspace.HeadChunkFloats"/>), else whole
    /// multiples of the GEMM's depth block <see cref="Gemm.KC"/>, so that the weight gradient sums in one call's order.
    /// Only a head so wide that KC rows do not fit in one array uses fewer rows (and then gives the same values to
    /// rounding, not bit for bit).
    /// </summary>
    internal static int HeadChunkRows(int rows, int classes, long chunkFloats)
    {
        // Room for a chunk plus a merged tail of up to SmallM rows (ChunkLength).
        long limit = Array.MaxLength - (long)Gemm.SmallM * classes;
        long budget = Math.Min(Math.Max(chunkFloats, (long)Gemm.KC * classes), limit);
        if ((long)rows * classes <= budget)
        {
            return rows;
        }
        long chunk = budget / classes / Gemm.KC * Gemm.KC;
        if (chunk < Gemm.KC)
        {
            chunk = budget / classes;
        }
        if (chunk <= Gemm.SmallM)
        {
            throw new ArgumentException(
                $"A head of {classes} outputs is too wide: {Gemm.SmallM + 1} rows of logits need {(Gemm.SmallM + 1L) * classes} floats, more than one array holds (Array.MaxLength = {Array.MaxLength}).");
        }
        return (int)Math.Min(chunk, rows);
    }

    // The next chunk's rows: a tail of SmallM rows or fewer joins this chunk, so every chunk of a head with more rows
    // than that takes the GEMM's blocked path, as one call over every row does.
    internal static int ChunkLength(int remaining, int chunk) => remaining - chunk <= Gemm.SmallM ? remaining : chunk;
}
