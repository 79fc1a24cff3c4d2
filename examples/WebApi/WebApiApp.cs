using System.Globalization;
using Microsoft.ML.Recurrent.Generation;

namespace WebApi;

/// <summary>Builds the web application: configuration, the two models (loaded once), and the endpoints.</summary>
public static partial class WebApiApp
{
    private const string PredictExample = """{"text": "the food was great"}""";
    private const string GenerateExample = """{"prompt": "the ", "maxLength": 40, "temperature": 0.5, "seed": 1}""";

    /// <summary>Reads the configuration, loads the models and maps POST /predict, POST /generate, GET / (the page) and GET /generate/stream.</summary>
    /// <param name="args">The command line: <c>--model</c>, <c>--language-model</c>, <c>--urls</c> and any ASP.NET Core setting.</param>
    /// <exception cref="ModelLoadException">A model file is missing or cannot be served.</exception>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string>(WebApiSettings.SwitchMappings));
        var settings = WebApiSettings.From(builder.Configuration);
        var generator = GeneratorService.Load(settings.LanguageModelPath);
        var sentiment = SentimentService.Load(settings.ModelPath, settings.EnginePoolSize);
        builder.Services.AddSingleton(sentiment);
        builder.Services.AddSingleton(generator);

        var app = builder.Build();
        app.Lifetime.ApplicationStopped.Register(sentiment.Dispose);
        LogServing(app.Logger, sentiment.Path, generator.Path);
        app.MapPost("/predict", PredictAsync);
        app.MapPost("/generate", GenerateAsync);
        app.MapGet("/", ServePage);
        app.MapGet("/generate/stream", GenerateStreamAsync);
        return app;
    }

    private static async Task<IResult> PredictAsync(HttpRequest request, SentimentService sentiment)
    {
        var body = await JsonBody.ReadAsync<PredictRequest>(request, PredictExample, request.HttpContext.RequestAborted);
        string? error = body.Error ?? CheckText(body.Value!.Text, "text", required: true);
        if (error is not null)
        {
            return BadRequest(error);
        }
        string text = body.Value!.Text!;
        if (body.Value.Explain != true)
        {
            var p = sentiment.Predict(text);
            return Results.Ok(new PredictResponse(p.PredictedLabel, p.Probability, p.Score));
        }
        if (!sentiment.Explains)
        {
            return BadRequest("\"explain\" needs a model trained with OutputAttributions = true; the served model has no attribution columns.");
        }
        var e = sentiment.Explain(text);
        return Results.Ok(new PredictResponse(e.PredictedLabel, e.Probability, e.Score, e.AttributionTokens, e.Attributions));
    }

    private static async Task<IResult> GenerateAsync(HttpRequest request, GeneratorService generator)
    {
        var body = await JsonBody.ReadAsync<GenerateRequest>(request, GenerateExample, request.HttpContext.RequestAborted);
        if (body.Error is not null)
        {
            return BadRequest(body.Error);
        }
        if (Options(body.Value!, out var options) is { } error)
        {
            return BadRequest(error);
        }
        try
        {
            return Results.Ok(new GenerateResponse(generator.Generate(body.Value!.Prompt ?? "", options)));
        }
        catch (ArgumentException e)
        {
            // A prompt the model cannot start from.
            return BadRequest(OptionMessage(e));
        }
    }

    // Checks the prompt and the options of a generation request; null when they can be served.
    private static string? Options(GenerateRequest r, out GenerationOptions options)
    {
        options = new GenerationOptions();
        if (CheckText(r.Prompt, "prompt", required: false) is { } promptError)
        {
            return promptError;
        }
        int maxLength = r.MaxLength ?? 100;
        if (maxLength is < 0 or > ApiLimits.MaxGenerateLength)
        {
            return $"maxLength is {maxLength}; it must be from 0 to {ApiLimits.MaxGenerateLength} tokens.";
        }
        var defaults = options;
        options = new GenerationOptions
        {
            MaxLength = maxLength, Temperature = r.Temperature ?? defaults.Temperature, TopK = r.TopK ?? defaults.TopK,
            TopP = r.TopP ?? defaults.TopP, Seed = r.Seed,
        };
        try
        {
            options.Validate();
            return null;
        }
        catch (ArgumentException e)
        {
            // The options' own range checks (temperature, topK, topP).
            return OptionMessage(e);
        }
    }

    private static string? CheckText(string? text, string name, bool required)
    {
        if (text is null)
        {
            return required ? $"The request has no \"{name}\"; send a JSON object such as {PredictExample}." : null;
        }
        if (required && string.IsNullOrWhiteSpace(text))
        {
            return $"\"{name}\" is empty; send at least one word.";
        }
        return text.Length > ApiLimits.MaxTextLength
            ? $"\"{name}\" has {text.Length} characters; at most {ApiLimits.MaxTextLength} are allowed."
            : null;
    }

    // "Temperature must be ... above 0. It was -1." rather than the exception's "(Parameter 'Temperature')" form.
    private static string OptionMessage(ArgumentException e)
    {
        string message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
        return e is ArgumentOutOfRangeException { ActualValue: { } value }
            ? string.Create(CultureInfo.InvariantCulture, $"{message.Split('\n')[0]} It was {value}.")
            : message;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving {Sentiment} at POST /predict and {LanguageModel} at POST /generate, and a page to try them at GET /")]
    private static partial void LogServing(ILogger logger, string sentiment, string languageModel);

    private static IResult BadRequest(string detail) =>
        Results.Problem(detail: detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad request");
}
