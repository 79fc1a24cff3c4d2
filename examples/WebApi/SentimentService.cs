using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace WebApi;

/// <summary>The input row the saved sentiment pipeline reads: one text column named Text.</summary>
public sealed class SentimentInput
{
    /// <summary>The text to classify.</summary>
    public string Text { get; set; } = "";
}

/// <summary>The stock binary-classification columns the saved pipeline writes.</summary>
public sealed class SentimentPrediction
{
    /// <summary>The predicted label.</summary>
    public bool PredictedLabel { get; set; }

    /// <summary>The probability of the positive label.</summary>
    public float Probability { get; set; }

    /// <summary>The raw score.</summary>
    public float Score { get; set; }
}

/// <summary>The stock columns plus the per-token attributions of a classifier trained with <c>OutputAttributions = true</c>.</summary>
public sealed class ExplainedSentimentPrediction
{
    /// <summary>The predicted label.</summary>
    public bool PredictedLabel { get; set; }

    /// <summary>The probability of the positive label.</summary>
    public float Probability { get; set; }

    /// <summary>The raw score.</summary>
    public float Score { get; set; }

    /// <summary>The tokens the model read (padding and truncated tokens left out).</summary>
    public string[] AttributionTokens { get; set; } = [];

    /// <summary>Each token's integrated-gradients contribution to the score (positive: towards the positive label).</summary>
    public float[] Attributions { get; set; } = [];
}

/// <summary>
/// A binary text classifier loaded once from an ML.NET .zip, with a pool of prediction engines: a
/// <see cref="PredictionEngine{TSrc, TDst}"/> is not thread-safe, so each request borrows one and gives it back.
/// Microsoft.Extensions.ML's PredictionEnginePool does the same but is a package of its own; the ASP.NET Core shared
/// framework already carries Microsoft.Extensions.ObjectPool.
/// </summary>
public sealed class SentimentService : IDisposable
{
    private readonly ObjectPool<PredictionEngine<SentimentInput, SentimentPrediction>> _engines;
    private readonly ObjectPool<PredictionEngine<SentimentInput, ExplainedSentimentPrediction>>? _explainers;

    private SentimentService(string path, ITransformer model, int poolSize, bool explains)
    {
        Path = path;
        Model = model;
        var provider = new DefaultObjectPoolProvider { MaximumRetained = poolSize };
        // For a disposable T the provider makes a pool that disposes the engines it drops and, when disposed, those it holds.
        // The plain engines leave the attribution columns inactive, so /predict without "explain" never pays for them.
        _engines = provider.Create(new EnginePolicy<SentimentPrediction>(new MLContext(), model));
        _explainers = explains ? provider.Create(new EnginePolicy<ExplainedSentimentPrediction>(new MLContext(), model)) : null;
    }

    /// <summary>Whether the model writes the AttributionTokens and Attributions columns (trained with <c>OutputAttributions = true</c>).</summary>
    public bool Explains => _explainers is not null;

    /// <summary>The full path of the loaded .zip.</summary>
    public string Path { get; }

    /// <summary>The loaded model (a TransformerChain).</summary>
    public ITransformer Model { get; }

    /// <summary>Loads a saved binary text classifier and checks that it predicts.</summary>
    /// <param name="path">The .zip file.</param>
    /// <param name="poolSize">Most idle engines kept for reuse (more are created under load and dropped after).</param>
    /// <exception cref="ModelLoadException">The file is missing, is not an ML.NET model, or is not a classifier of a Text column.</exception>
    public static SentimentService Load(string path, int poolSize)
    {
        var model = ModelFile.Load(path, "sentiment model");
        string full = System.IO.Path.GetFullPath(path);
        // A PredictionEngine leaves output fields with no column at their defaults, so the columns are checked here.
        var context = new MLContext();
        var input = context.Data.LoadFromEnumerable(Array.Empty<SentimentInput>()).Schema;
        string? problem;
        bool explains = false;
        try
        {
            var output = model.GetOutputSchema(input);
            problem = Missing(output, "PredictedLabel", BooleanDataViewType.Instance)
                ?? Missing(output, "Probability", NumberDataViewType.Single)
                ?? Missing(output, "Score", NumberDataViewType.Single);
            explains = output.GetColumnOrNull("Attributions") is not null && output.GetColumnOrNull("AttributionTokens") is not null;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            problem = e.Message;
        }
        if (problem is not null)
        {
            throw new ModelLoadException($"Cannot serve {full} as a sentiment model: it must read a Text column and write PredictedLabel, Probability and Score ({problem}).");
        }
        return new SentimentService(full, model, poolSize, explains);
    }

    private static string? Missing(DataViewSchema schema, string name, DataViewType type) =>
        schema.GetColumnOrNull(name) is not { } column ? $"no {name} column"
        : column.Type.Equals(type) ? null
        : $"{name} is {column.Type}, not {type}";

    /// <summary>Classifies one text with an engine borrowed from the pool; safe to call from any number of threads.</summary>
    /// <param name="text">The text.</param>
    public SentimentPrediction Predict(string text)
    {
        var engine = _engines.Get();
        try
        {
            return engine.Predict(new SentimentInput { Text = text });
        }
        finally
        {
            _engines.Return(engine);
        }
    }

    /// <summary>Classifies one text and attributes the score to its tokens; safe to call from any number of threads.</summary>
    /// <param name="text">The text.</param>
    /// <exception cref="InvalidOperationException">The model has no attribution columns (<see cref="Explains"/> is false).</exception>
    public ExplainedSentimentPrediction Explain(string text)
    {
        var pool = _explainers ?? throw new InvalidOperationException($"{Path} was trained without OutputAttributions, so it cannot explain its predictions.");
        var engine = pool.Get();
        try
        {
            return engine.Predict(new SentimentInput { Text = text });
        }
        finally
        {
            pool.Return(engine);
        }
    }

    /// <summary>Disposes the pooled engines.</summary>
    public void Dispose()
    {
        (_engines as IDisposable)?.Dispose();
        (_explainers as IDisposable)?.Dispose();
    }

    private sealed class EnginePolicy<T>(MLContext context, ITransformer model) : PooledObjectPolicy<PredictionEngine<SentimentInput, T>>
        where T : class, new()
    {
        public override PredictionEngine<SentimentInput, T> Create() => context.Model.CreatePredictionEngine<SentimentInput, T>(model);

        public override bool Return(PredictionEngine<SentimentInput, T> obj) => true;
    }
}
