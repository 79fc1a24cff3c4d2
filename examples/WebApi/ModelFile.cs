using Microsoft.ML;

namespace WebApi;

/// <summary>Loads an ML.NET .zip and turns every way that fails into one <see cref="ModelLoadException"/> naming the file.</summary>
public static class ModelFile
{
    /// <summary>Loads the model saved in <paramref name="path"/>.</summary>
    /// <param name="path">The .zip file.</param>
    /// <param name="role">What the file should hold, for the message ("sentiment model").</param>
    /// <exception cref="ModelLoadException">The file is missing or cannot be loaded.</exception>
    public static ITransformer Load(string path, string role)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new ModelLoadException($"Cannot load the {role} {full}: the file does not exist.");
        }
        try
        {
            return new MLContext().Model.Load(full, out _);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or FormatException or InvalidDataException or UnauthorizedAccessException or ArgumentException)
        {
            throw new ModelLoadException($"Cannot load the {role} {full}: {e.Message}", e);
        }
    }
}
