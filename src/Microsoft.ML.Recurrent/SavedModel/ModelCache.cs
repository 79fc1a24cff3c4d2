using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Microsoft.ML.Recurrent.SavedModel;

/// <summary>
/// Decoded models, cached per backing string of the model column: ML.NET hands every row the same string object
/// (before saving and after loading), so each model is decoded once and the per-row cost does not grow with its size.
/// Thread-safe: the decoded model is read-only and each thread predicts with its own workspace.
/// </summary>
internal static class ModelCache
{
    private static readonly ConditionalWeakTable<string, LoadedModel> Cache = [];

    public static LoadedModel Get(ReadOnlyMemory<char> modelText)
    {
        if (MemoryMarshal.TryGetString(modelText, out string? text, out int start, out int length) && start == 0 && length == text.Length)
        {
            return Cache.GetValue(text, static t => LoadedModel.Decode(t));
        }
        // Not backed by a whole string (never seen with ML.NET): decode without caching.
        return LoadedModel.Decode(modelText.ToString());
    }
}
