using System.Text.Json;
using System.Text.Json.Serialization;

namespace WebApi;

/// <summary>The outcome of reading a JSON request body: the value, or a message saying what is wrong with the body.</summary>
/// <typeparam name="T">The request type.</typeparam>
/// <param name="Value">The request; null when <paramref name="Error"/> is set.</param>
/// <param name="Error">What is wrong with the body; null when it was read.</param>
public sealed record JsonBody<T>(T? Value, string? Error) where T : class;

/// <summary>
/// Reads request bodies by hand instead of through minimal-API binding, whose failures answer 400 with an empty
/// body: every way a body can be wrong (empty, too large, not JSON, a field of the wrong type or name, null) gets a
/// message that says so.
/// </summary>
public static class JsonBody
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        // A misspelt field ("txt") is an error that names it, not a silently missing value.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Reads at most <see cref="ApiLimits.MaxBodyBytes"/> bytes and deserializes them.</summary>
    /// <param name="request">The request.</param>
    /// <param name="example">An example body, quoted in the message about an empty body.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async Task<JsonBody<T>> ReadAsync<T>(HttpRequest request, string example, CancellationToken cancellationToken) where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > ApiLimits.MaxBodyBytes)
        {
            return TooLarge<T>();
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > ApiLimits.MaxBodyBytes)
            {
                return TooLarge<T>();
            }
            buffer.Write(chunk, 0, read);
        }
        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (bytes.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            return new(null, $"The request body is empty; send a JSON object such as {example}.");
        }
        try
        {
            var value = JsonSerializer.Deserialize<T>(bytes.Span, Options);
            return value is null
                ? new(null, $"The request body is JSON null; send a JSON object such as {example}.")
                : new(value, null);
        }
        catch (JsonException e)
        {
            return new(null, $"The request body is not a valid request: {e.Message} Send a JSON object such as {example}.");
        }
    }

    private static JsonBody<T> TooLarge<T>() where T : class =>
        new(null, $"The request body is larger than {ApiLimits.MaxBodyBytes} bytes.");
}
