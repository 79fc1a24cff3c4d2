using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// Temperature scaling (Guo et al., 2017): the one number T that, dividing a classifier's logits, minimises the
/// cross-entropy of held-out data. It calibrates probabilities without changing any prediction's class (argmax and
/// ranking are unchanged), and is folded into the head (fc.weight and fc.bias divided by T), so the model file and
/// inference are unchanged.
/// </summary>
public static class TemperatureScaling
{
    private const double MinTemperature = 0.05, MaxTemperature = 20;

    /// <summary>
    /// Finds the temperature on <paramref name="validation"/> (golden-section search of log T in [0.05, 20]) and folds it
    /// into the head of <paramref name="model"/>. Returns T (1 when the data gives nothing to fit). An n-gram ensemble
    /// (<see cref="SequenceModelOptions.NgramEnsemble"/>) gets one temperature per part, each fitted to that part's own
    /// logits and folded into its own weights; the recurrent part's is returned.
    /// </summary>
    /// <param name="model">A classification model; its head is scaled in place.</param>
    /// <param name="validation">Held-out examples with labels (not the ones the model was trained on).</param>
    /// <exception cref="ArgumentException">The model is not a many-to-one classifier.</exception>
    public static double Calibrate(SequenceModel model, IReadOnlyList<SequenceExample> validation) =>
        CalibrateParts(model, validation).Recurrent;

    /// <summary>
    /// <see cref="Calibrate"/>, returning both temperatures: the recurrent part's and the n-gram part's (equal unless the
    /// model is an n-gram ensemble).
    /// </summary>
    internal static (double Recurrent, double Ngrams) CalibrateParts(SequenceModel model, IReadOnlyList<SequenceExample> validation)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(validation);
        if (model.Options.Task != SequenceTask.Classification)
        {
            throw new ArgumentException($"Temperature scaling calibrates a classifier; this model's task is {model.Options.Task}.", nameof(model));
        }
        model.ValidateExamples(validation, requireTargets: true, nameof(validation));
        if (validation.Count == 0)
        {
            return (1, 1);
        }
        if (!model.Options.NgramEnsemble)
        {
            double temperature = Fit(Logits(model, validation, EnsembleView.Mean), validation, model.Options.HeadOutputs);
            if (temperature != 1)
            {
                Apply(model, temperature);
            }
            return (temperature, temperature);
        }
        double recurrent = Fit(Logits(model, validation, EnsembleView.Recurrent), validation, model.Options.HeadOutputs);
        double ngrams = Fit(Logits(model, validation, EnsembleView.Ngrams), validation, model.Options.HeadOutputs);
        Apply(model, recurrent, ngrams);
        return (recurrent, ngrams);
    }

    // The logits (rows, C) the view of the model gives for the examples.
    private static float[] Logits(SequenceModel model, IReadOnlyList<SequenceExample> validation, EnsembleView view)
    {
        int classes = model.Options.HeadOutputs;
        var logits = new float[validation.Count * classes];
        var ws = model.CreateWorkspace();
        ws.EnsembleView = view;
        const int batchSize = 64;
        for (int start = 0; start < validation.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, validation.Count - start);
            var batch = new SequenceExample[count];
            for (int i = 0; i < count; i++)
            {
                batch[i] = validation[start + i];
            }
            model.Forward(ws, batch, training: false, null, default, default);
            ws.Logits.AsSpan(0, count * classes).CopyTo(logits.AsSpan(start * classes));
        }
        return logits;
    }

    // The temperature minimising the held-out cross-entropy of logits / T, or 1 when none does better than 1.
    private static double Fit(float[] logits, IReadOnlyList<SequenceExample> validation, int classes)
    {
        double a = Math.Log(MinTemperature), b = Math.Log(MaxTemperature), ratio = (Math.Sqrt(5) - 1) / 2;
        double c = b - ratio * (b - a), d = a + ratio * (b - a);
        double fc = Loss(logits, validation, classes, Math.Exp(c)), fd = Loss(logits, validation, classes, Math.Exp(d));
        for (int i = 0; i < 60; i++)
        {
            if (fc < fd)
            {
                (b, d, fd) = (d, c, fc);
                c = b - ratio * (b - a);
                fc = Loss(logits, validation, classes, Math.Exp(c));
            }
            else
            {
                (a, c, fc) = (c, d, fd);
                d = a + ratio * (b - a);
                fd = Loss(logits, validation, classes, Math.Exp(d));
            }
        }
        double temperature = Math.Exp((a + b) / 2);
        return Loss(logits, validation, classes, temperature) < Loss(logits, validation, classes, 1) ? temperature : 1;
    }

    // Folds a temperature into the head: fc.weight, fc.bias (and the n-gram part) divided by T (e.g. one found for another model of the same data).
    internal static void Apply(SequenceModel model, double temperature) => Apply(model, temperature, temperature);

    // Folds the recurrent part's temperature into fc.weight and fc.bias, the n-gram part's into ngram.weight (and ngram.bias).
    internal static void Apply(SequenceModel model, double recurrent, double ngrams)
    {
        float scale = (float)(1 / recurrent);
        var weight = model.Parameters.GetValues(model.HeadWeight);
        TensorPrimitives.Multiply(weight, scale, weight);
        var bias = model.Parameters.GetValues(model.HeadBias);
        TensorPrimitives.Multiply(bias, scale, bias);
        float wideScale = (float)(1 / ngrams);
        foreach (var info in new[] { model.NgramWeight, model.NgramBias })
        {
            if (info is not null)
            {
                var wide = model.Parameters.GetValues(info);
                TensorPrimitives.Multiply(wide, wideScale, wide);
            }
        }
    }

    // Mean cross-entropy (nats) of the logits divided by the temperature.
    private static double Loss(float[] logits, IReadOnlyList<SequenceExample> examples, int classes, double temperature)
    {
        double total = 0;
        for (int r = 0; r < examples.Count; r++)
        {
            double max = double.NegativeInfinity;
            for (int k = 0; k < classes; k++)
            {
                max = Math.Max(max, logits[r * classes + k] / temperature);
            }
            double sum = 0;
            for (int k = 0; k < classes; k++)
            {
                sum += Math.Exp(logits[r * classes + k] / temperature - max);
            }
            total += max + Math.Log(sum) - logits[r * classes + examples[r].Label] / temperature;
        }
        return total / examples.Count;
    }
}
