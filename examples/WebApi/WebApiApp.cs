using System.Globalization;
using Microsoft.ML.Recurrent.Generation;

namespace WebApi;

/// <summary>Builds the web application: configuration, the two models (loaded once), and the endpoints.</summary>
public static partial class WebApiApp
{
    private const string PredictExample = """{"text": "the food was great"}""";
    private const string GenerateExample = """{"prompt": "the ", "maxLength": 40, "temperature": 0.5, "seed": 1}""";

    /// <summary>Reads the configuration, loads the models and maps POST /predict and POST /generate.</summary>
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
        var p = sentiment.Predict(body.Value!.Text!);
        return Results.Ok(new PredictResponse(p.PredictedLabel, p.Probability, p.Score));
    }

    private static async Task<IResult> GenerateAsync(HttpRequest request, GeneratorService generator)
    {
        var body = await JsonBody.ReadAsync<GenerateRequest>(request, GenerateExample, request.HttpContext.RequestAborted);
        if (body.Error is not null)
        {
            return BadRequest(body.Error);
        }
        var r = body.Value!;
        if (CheckText(r.Prompt, "prompt", required: false) is { } promptError)
        {
            return BadRequest(promptError);
        }
        int maxLength = r.MaxLength ?? 100;
        if (maxLength is < 0 or > ApiLimits.MaxGenerateLength)
        {
            return BadRequest($"maxLength is {maxLength}; it must be from 0 to {ApiLimits.MaxGenerateLength} tokens.");
        }
        var defaults = new GenerationOptions();
        var options = new GenerationOptions
        {
            MaxLength = maxLength, Temperature = r.Temperature ?? defaults.Temperature, TopK = r.TopK ?? defaults.TopK,
            TopP = r.TopP ?? defaults.TopP, Seed = r.Seed,
        };
        try
        {
            options.Validate();
            return Results.Ok(new GenerateResponse(generator.Generate(r.Prompt ?? "", options)));
        }
        catch (ArgumentException e)
        {
            // The options' own range checks (temperature, topK, topP) and a prompt the model cannot start from.
            return BadRequest(OptionMessage(e));
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving {Sentiment} at POST /predict and {LanguageModel} at POST /generate")]
    private static partial void LogServing(ILogger logger, string sentiment, string languageModel);

    private static IResult BadRequest(string detail) =>
        Results.Problem(detail: detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad request");
}
