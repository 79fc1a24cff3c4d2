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
        var metrics = new PassMetrics();
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
            double loss = model.Pass(ws, buffer.AsSpan(0, count), backward: false, training: false, null, default, default, default, ref metrics);
            long counted = metrics.Count - before;
            weightedLoss += loss * counted;
            weight += counted;
        }
        return Result(model, weightedLoss, weight, metrics);
    }

    internal static EvaluationResult Result(SequenceModel model, double weightedLoss, long weight, PassMetrics metrics)
    {
        bool regression = model.Options.Task == SequenceTask.Regression;
        double loss = weight == 0 ? double.NaN : weightedLoss / weight;
        return new EvaluationResult(
            loss,
            metrics.Count,
            regression || metrics.Count == 0 ? double.NaN : (double)metrics.Correct / metrics.Count,
            regression && metrics.Count > 0 ? Math.Sqrt(metrics.SquaredError / metrics.Count) : double.NaN);
    }
}
