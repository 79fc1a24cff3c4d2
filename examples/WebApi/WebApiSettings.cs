namespace WebApi;

/// <summary>
/// Where the models are, from ASP.NET Core configuration: the keys <c>Model</c> and <c>LanguageModel</c> (in
/// appsettings.json, environment variables, or the command line as <c>--model</c> and <c>--language-model</c>).
/// Without them the sample models shipped beside the program are served.
/// </summary>
/// <param name="ModelPath">The sentiment classifier .zip.</param>
/// <param name="LanguageModelPath">The language model .zip.</param>
/// <param name="EnginePoolSize">Most idle prediction engines kept (key <c>EnginePoolSize</c>; default twice the processor count).</param>
public sealed record WebApiSettings(string ModelPath, string LanguageModelPath, int EnginePoolSize)
{
    /// <summary>The command-line switches that map to configuration keys (others, such as <c>--urls</c>, are ASP.NET Core's own).</summary>
    public static readonly IReadOnlyDictionary<string, string> SwitchMappings = new Dictionary<string, string>
    {
        ["--model"] = "Model",
        ["--language-model"] = "LanguageModel",
    };

    /// <summary>The folder of the shipped sample models: SampleModels beside the program.</summary>
    public static string SampleFolder => Path.Combine(AppContext.BaseDirectory, "SampleModels");

    /// <summary>Reads the settings; relative paths are taken from the current directory.</summary>
    /// <param name="configuration">The application's configuration.</param>
    public static WebApiSettings From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new WebApiSettings(
            Path.GetFullPath(configuration["Model"] ?? Path.Combine(SampleFolder, "sentiment.zip")),
            Path.GetFullPath(configuration["LanguageModel"] ?? Path.Combine(SampleFolder, "language-model.zip")),
            configuration.GetValue("EnginePoolSize", 2 * Environment.ProcessorCount));
    }
}
