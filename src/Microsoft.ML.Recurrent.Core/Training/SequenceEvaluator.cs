using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Training;

/// <summary>Loss and task metrics of a model on labelled data, with dropout off.</summary>
public static class SequenceEvaluator
{
    /// <summary>Evaluates a model on examples that carry their targets.</summary>
    /// <param name="model">The model.</param>
    /// <param name="examples">Validated examples with targets.</param>
    /// <param name="batchSize">Sequences per forward pass. Default 64.</param>
    /// <param name="maxItems">Evaluate at most this many examples (the first ones); null for all.</param>
    public static EvaluationResult Evaluate(SequenceModel model, IReadOnlyList<SequenceExample> examples, int batchSize = 64, int? maxItems = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        model.ValidateExamples(examples, requireTargets: true);
        return Evaluate(model, model.CreateWorkspace(), examples, batchSize, maxItems);
    }

    internal static EvaluationResult Evaluate(SequenceModel model, ModelWorkspace ws, IReadOnlyList<SequenceExample> examples, int batchSize, int? maxItems)
    {
        int total = Math.Min(examples.Count, maxItems ?? int.MaxValue);
        var buffer = new SequenceExample[Math.Min(batchSize, Math.Max(1, total))];
        var metrics = new MetricTotals();
        double weightedLoss = 0;
        long weight = 0;
        for (int start = 0; start < total; start += buffer.Length)
        {
            int count = Math.Min(buffer.Length, total - start);
            for (int i = 0; i < count; i++)
            {
                buffer[i] = examples[start + i];
            }
            long before = metrics.Count;
            double loss = model.ComputeLoss(ws, buffer.AsSpan(0, count), backward: false, training: false, null, default, default, default, ref metrics);
            long counted = metrics.Count - before;
            weightedLoss += loss * counted;
            weight += counted;
        }
        return Result(model, weightedLoss, weight, metrics);
    }

    internal static EvaluationResult Result(SequenceModel model, double weightedLoss, long weight, MetricTotals metrics)
    {
        bool regression = model.Options.Task == SequenceTask.Regression;
        double loss = weight == 0 ? double.NaN : weightedLoss / weight;
        return new EvaluationResult(
            loss,
            metrics.Count,
            regression || metrics.Count == 0 ? double.NaN : (double)metrics.Correct / metrics.Count,
            regression && metrics.Count > 0 ? Math.Sqrt(metrics.SquaredError / metrics.Count) : double.NaN);
    }

    /// <summary>
    /// Mean loss per predicted token of a language model over one long stream, read as up to
    /// <paramref name="streams"/> parallel streams in chunks of <paramref name="chunkLength"/> with the state carried.
    /// </summary>
    /// <param name="model">A language model.</param>
    /// <param name="tokens">Token ids, at least 2.</param>
    /// <param name="streams">Parallel streams. Default 32.</param>
    /// <param name="chunkLength">Steps per forward pass. Default 100.</param>
    /// <param name="maxItems">Evaluate at most about this many tokens; null for all.</param>
    public static EvaluationResult EvaluateStream(SequenceModel model, int[] tokens, int streams = 32, int chunkLength = 100, int? maxItems = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        if (model.Options.Task != SequenceTask.LanguageModel)
        {
            throw new ArgumentException($"EvaluateStream needs a language model; this model's task is {model.Options.Task}.", nameof(model));
        }
        if (tokens.Length < 2)
        {
            throw new ArgumentException($"tokens has {tokens.Length} ids; at least 2 are needed.", nameof(tokens));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(streams, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkLength, 1);
        for (int i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)model.Options.VocabularySize)
            {
                throw new ArgumentException($"tokens[{i}] is {tokens[i]}; token ids must be 0..{model.Options.VocabularySize - 1}.", nameof(tokens));
            }
        }
        return EvaluateStream(model, model.CreateWorkspace(), tokens, streams, chunkLength, maxItems);
    }

    internal static EvaluationResult EvaluateStream(SequenceModel model, ModelWorkspace ws, int[] tokens, int streams, int chunkLength, int? maxItems)
    {
        int usable = Math.Min(tokens.Length, maxItems is int m ? m + 1 : int.MaxValue);
        int batch = Math.Clamp(usable - 1, 1, streams);
        int streamLength = (usable - 1) / batch;
        model.Recurrent.CheckSizes((long)batch * Math.Min(chunkLength, streamLength), batch, nameof(tokens));
        var o = model.Options;
        int stateSize = o.NumLayers * batch * o.HiddenSize;
        bool lstm = o.Cell == Layers.RecurrentCellKind.Lstm;
        var hidden = new float[stateSize];
        var cell = new float[stateSize];
        var examples = new SequenceExample[batch];
        var metrics = new MetricTotals();
        double weightedLoss = 0;
        long weight = 0;
        for (int position = 0; position < streamLength; position += chunkLength)
        {
            int length = Math.Min(chunkLength, streamLength - position);
            for (int b = 0; b < batch; b++)
            {
                int start = b * streamLength + position;
                examples[b] = new SequenceExample { Tokens = tokens[start..(start + length)], StepLabels = tokens[(start + 1)..(start + 1 + length)] };
            }
            long before = metrics.Count;
            double loss = model.ComputeLoss(ws, examples, backward: false, training: false, null, hidden, lstm ? cell : default, default, ref metrics);
            weightedLoss += loss * (metrics.Count - before);
            weight += metrics.Count - before;
            ws.Recurrent.FinalHidden.AsSpan(0, stateSize).CopyTo(hidden);
            if (lstm)
            {
                ws.Recurrent.FinalCell.AsSpan(0, stateSize).CopyTo(cell);
            }
        }
        return Result(model, weightedLoss, weight, metrics);
    }
}
