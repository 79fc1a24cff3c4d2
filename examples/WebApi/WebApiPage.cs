using System.Globalization;
using System.Text.Json;

namespace WebApi;

/// <summary>The page to try the models (GET /) and the streamed generation it uses (GET /generate/stream).</summary>
public static partial class WebApiApp
{
    /// <summary>The page's file, beside the program.</summary>
    public static string PagePath => Path.Combine(AppContext.BaseDirectory, "Page", "index.html");

    private static IResult ServePage() => Results.File(PagePath, "text/html; charset=utf-8");

    // GET /generate/stream?prompt=...&maxLength=...&temperature=...&topK=...&topP=...&seed=...: the same checks and the
    // same text as POST /generate, sent as server-sent events: one "data: <JSON string>" per piece, then "event: end".
    private static async Task GenerateStreamAsync(HttpContext context, GeneratorService generator)
    {
        var query = context.Request.Query;
        var request = new GenerateRequest { Prompt = query["prompt"].FirstOrDefault() };
        string? error = Parse(query["maxLength"], "maxLength", v => request.MaxLength = int.Parse(v, CultureInfo.InvariantCulture))
            ?? Parse(query["temperature"], "temperature", v => request.Temperature = float.Parse(v, CultureInfo.InvariantCulture))
            ?? Parse(query["topK"], "topK", v => request.TopK = int.Parse(v, CultureInfo.InvariantCulture))
            ?? Parse(query["topP"], "topP", v => request.TopP = float.Parse(v, CultureInfo.InvariantCulture))
            ?? Parse(query["seed"], "seed", v => request.Seed = int.Parse(v, CultureInfo.InvariantCulture));
        var options = new Microsoft.ML.Recurrent.Generation.GenerationOptions();
        error ??= Options(request, out options);
        IEnumerable<string> pieces = [];
        if (error is null)
        {
            try
            {
                pieces = generator.GenerateTokens(request.Prompt ?? "", options);
            }
            catch (ArgumentException e)
            {
                error = OptionMessage(e);
            }
        }
        if (error is not null)
        {
            await BadRequest(error).ExecuteAsync(context);
            return;
        }
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        var aborted = context.RequestAborted;
        foreach (string piece in pieces)
        {
            await response.WriteAsync($"data: {JsonSerializer.Serialize(piece)}\n\n", aborted);
            await response.Body.FlushAsync(aborted);
        }
        await response.WriteAsync("event: end\ndata: \n\n", aborted);
    }

    private static string? Parse(Microsoft.Extensions.Primitives.StringValues values, string name, Action<string> set)
    {
        if (values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            return null;
        }
        try
        {
            set(values[0]!);
            return null;
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            return $"{name} is \"{values[0]}\"; it must be a number.";
        }
    }
}
