using Microsoft.ML;
using Microsoft.ML.Recurrent;
using Microsoft.ML.Recurrent.Generation;

namespace WebApi;

/// <summary>
/// A language model loaded once from an ML.NET .zip and its text generator. <see cref="TextGenerator"/> is immutable
/// and thread-safe (every call runs its own streaming session and sampler over one shared read-only model), so one
/// instance serves every request; nothing is pooled.
/// </summary>
public sealed class GeneratorService
{
    private GeneratorService(string path, ITransformer model, TextGenerator generator)
    {
        Path = path;
        Model = model;
        Generator = generator;
    }

    /// <summary>The full path of the loaded .zip.</summary>
    public string Path { get; }

    /// <summary>The loaded model (a TransformerChain).</summary>
    public ITransformer Model { get; }

    /// <summary>The generator over the model.</summary>
    public TextGenerator Generator { get; }

    /// <summary>Loads a saved recurrent language model.</summary>
    /// <param name="path">The .zip file.</param>
    /// <exception cref="ModelLoadException">The file is missing, is not an ML.NET model, or holds no text language model.</exception>
    public static GeneratorService Load(string path)
    {
        var model = ModelFile.Load(path, "language model");
        string full = System.IO.Path.GetFullPath(path);
        try
        {
            return new GeneratorService(full, model, RecurrentModels.CreateGenerator(model));
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            throw new ModelLoadException($"Cannot serve {full} as a language model: {e.Message}", e);
        }
    }

    /// <summary>Continues a prompt; safe to call from any number of threads.</summary>
    /// <param name="prompt">The text to continue.</param>
    /// <param name="options">The generation options (already validated).</param>
    public string Generate(string prompt, GenerationOptions options) => Generator.Generate(prompt, options);

    /// <summary>Continues a prompt piece by piece, as it is generated; safe to call from any number of threads.</summary>
    /// <param name="prompt">The text to continue.</param>
    /// <param name="options">The generation options (already validated).</param>
    /// <exception cref="ArgumentException">The model cannot start from the prompt (thrown at the call, before any piece).</exception>
    public IEnumerable<string> GenerateTokens(string prompt, GenerationOptions options) => Generator.GenerateTokens(prompt, options);
}
