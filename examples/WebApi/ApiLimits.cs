namespace WebApi;

/// <summary>
/// What one request may ask for. They keep the work of a request bounded: the classifier reads at most its
/// MaxSequenceLength tokens anyway, and generation costs one model step per token.
/// </summary>
public static class ApiLimits
{
    /// <summary>Most characters of a text to classify or of a prompt: 2,000.</summary>
    public const int MaxTextLength = 2_000;

    /// <summary>Most tokens one /generate request may ask for: 1,000.</summary>
    public const int MaxGenerateLength = 1_000;

    /// <summary>Most bytes of a request body: 64 KiB.</summary>
    public const int MaxBodyBytes = 64 * 1024;
}
