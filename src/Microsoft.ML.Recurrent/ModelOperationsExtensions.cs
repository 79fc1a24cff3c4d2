using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent;

/// <summary>Saving ML.NET models so that a crash or a failure never destroys the previous file.</summary>
public static class ModelOperationsExtensions
{
    /// <summary>
    /// Saves a model like <c>mlContext.Model.Save(model, inputSchema, filePath)</c>, but atomically: the <c>.zip</c> is
    /// written to a temporary file in the same folder, flushed to disk, and then moved over <paramref name="filePath"/>
    /// in one step. If the process is killed or anything fails (a part of the model that cannot be saved, a full
    /// disk), the file already at <paramref name="filePath"/> is left as it was and the temporary file is removed;
    /// error messages name <paramref name="filePath"/>. The saved file is an ordinary ML.NET model that
    /// <c>mlContext.Model.Load</c> reads. Works for any saveable transformer, not only recurrent ones.
    /// </summary>
    /// <remarks>
    /// <code>
    /// var model = pipeline.Fit(trainData);
    /// mlContext.Model.SaveAtomically(model, trainData.Schema, "sentiment.zip");
    /// var loaded = mlContext.Model.Load("sentiment.zip", out var inputSchema);
    /// </code>
    /// The temporary file has a short fixed name derived from the target's, <c>.&lt;16 hex digits&gt;.rnnsave.tmp</c>;
    /// one left by a killed process is never read, and the next save of the same file replaces and removes it. Two
    /// saves of the same file at once: the second fails with an <see cref="IOException"/>.
    /// </remarks>
    /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
    /// <param name="model">The trained model (transformer chain) to save.</param>
    /// <param name="inputSchema">The schema of the data the model reads, usually <c>trainData.Schema</c>; may be null.</param>
    /// <param name="filePath">The <c>.zip</c> file to write; its folder must exist.</param>
    /// <exception cref="ArgumentNullException"><paramref name="catalog"/> or <paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="filePath"/> is null or empty.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder of <paramref name="filePath"/> does not exist.</exception>
    /// <exception cref="IOException">Writing or replacing the file failed; the message names <paramref name="filePath"/>.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder or the file may not be written.</exception>
    public static void SaveAtomically(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema? inputSchema, string filePath)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        AtomicFile.Write(filePath, stream => catalog.Save(model, inputSchema, stream));
    }
}
