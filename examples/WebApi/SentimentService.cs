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

/// <summary>
/// A binary text classifier loaded once from an ML.NET .zip, with a pool of prediction engines: a
/// <see cref="PredictionEngine{TSrc, TDst}"/> is not thread-safe, so each request borrows one and gives it back.
/// Microsoft.Extensions.ML's PredictionEnginePool does the same but is a package of its own; the ASP.NET Core shared
/// framework already carries Microsoft.Extensions.ObjectPool.
/// </summary>
public sealed class SentimentService : IDisposable
{
    private readonly ObjectPool<PredictionEngine<SentimentInput, SentimentPrediction>> _engines;

    private SentimentService(string path, ITransformer model, int poolSize)
    {
        Path = path;
        Model = model;
        var provider = new DefaultObjectPoolProvider { MaximumRetained = poolSize };
        // For a disposable T the provider makes a pool that disposes the engines it drops and, when disposed, those it holds.
        _engines = provider.Create(new EnginePolicy(new MLContext(), model));
    }

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
        try
        {
            var output = model.GetOutputSchema(input);
            problem = Missing(output, "PredictedLabel", BooleanDataViewType.Instance)
                ?? Missing(output, "Probability", NumberDataViewType.Single)
                ?? Missing(output, "Score", NumberDataViewType.Single);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            problem = e.Message;
        }
        if (problem is not null)
        {
            throw new ModelLoadException($"Cannot serve {full} as a sentiment model: it must read a Text column and write PredictedLabel, Probability and Score ({problem}).");
        }
        return new SentimentService(full, model, poolSize);
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

    /// <summary>Disposes the pooled engines.</summary>
    public void Dispose() => (_engines as IDisposable)?.Dispose();

    private sealed class EnginePolicy(MLContext context, ITransformer model) : PooledObjectPolicy<PredictionEngine<SentimentInput, SentimentPrediction>>
    {
        public override PredictionEngine<SentimentInput, SentimentPrediction> Create() =>
            context.Model.CreatePredictionEngine<SentimentInput, SentimentPrediction>(model);

        public override bool Return(PredictionEngine<SentimentInput, SentimentPrediction> obj) => true;
    }
}
