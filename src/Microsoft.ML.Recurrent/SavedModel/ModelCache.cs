using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Microsoft.ML.Recurrent.SavedModel;

/// <summary>
/// Decoded models, cached per backing string of the model column: ML.NET hands every row the same string object
/// (before saving and after loading), so each model is decoded once and the per-row cost does not grow with its size.
/// Thread-safe: simultaneous first predictions wait for one decode (a <see cref="ConditionalWeakTable{TKey, TValue}"/>
/// may run its factory more than once in a race, so it holds a <see cref="Lazy{T}"/> that decodes once); the decoded
/// model is read-only and each thread predicts with its own workspace.
/// </summary>
internal static class ModelCache
{
    private static readonly ConditionalWeakTable<string, Lazy<LoadedModel>> Cache = [];

    /// <summary>
    /// The decoded model, checked (at its first use by this kind of mapping) to fit the mapping that asks for it.
    /// </summary>
    /// <exception cref="InvalidDataException">The model text is not a valid model file, or the model does not fit the mapping.</exception>
    public static LoadedModel Get(ReadOnlyMemory<char> modelText, MappingKind kind, int featureSize = 0) =>
        Decoded(modelText).RequireFit(kind, featureSize);

    /// <summary>
    /// The decoded classifier (binary or multiclass, as its file's task name says), checked to fit that classifier's
    /// mapping over text or key-vector tokens.
    /// </summary>
    /// <exception cref="InvalidDataException">The model text is not a valid model file, or not a classifier that fits.</exception>
    public static LoadedModel GetClassifier(ReadOnlyMemory<char> modelText, bool tokenKeys)
    {
        var model = Decoded(modelText);
        bool binary = model.Bundle.Metadata.TryGetValue(BundleKeys.Task, out string? task)
            ? task == BundleKeys.TaskName(SavedModelTask.BinaryClassification)
            : model.Bundle.Model.Options.HeadOutputs == 2;
        var kind = binary ? (tokenKeys ? MappingKind.BinaryTokens : MappingKind.BinaryText) : (tokenKeys ? MappingKind.MulticlassTokens : MappingKind.MulticlassText);
        return model.RequireFit(kind);
    }

    private static LoadedModel Decoded(ReadOnlyMemory<char> modelText)
    {
        if (MemoryMarshal.TryGetString(modelText, out string? text, out int start, out int length) && start == 0 && length == text.Length)
        {
            // A failed decode is remembered too (Lazy keeps the exception): the same text fails the same way.
            return Cache.GetValue(text, static t => new Lazy<LoadedModel>(() => LoadedModel.Decode(t), LazyThreadSafetyMode.ExecutionAndPublication)).Value;
        }
        // Not backed by a whole string (never seen with ML.NET): decode without caching.
        return LoadedModel.Decode(modelText.ToString());
    }
}
