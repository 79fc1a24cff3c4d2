using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Serialization;

/// <summary>
/// Constants of the model file layout (see <see cref="RecurrentModelFile"/> for the description) and the
/// arithmetic that predicts a model's parameter count from its options without allocating it.
/// </summary>
internal static class ModelFileFormat
{
    internal const int Version1 = 1;
    internal const int Version = 2;               // written only when a file needs it (an ARCH section), else 1
    internal const int HeaderSize = 56;            // magic 8 | version 2 | flags 2 | sections 4 | content length 8 | SHA-256 32
    internal const int HashedHeaderSize = 24;      // the header bytes before the hash, covered by it
    internal const int SectionHeaderSize = 8;      // tag 4 | body length 4
    internal const int OptionsSize = 46;
    internal const int MaxTensors = 1024;
    internal const int MaxRank = 8;

    internal const ushort HasSequencer = 1;
    internal const ushort HasLabelNames = 2;
    internal const ushort HasArchitecture = 4;   // version 2
    internal const ushort HasCharacters = 8;     // version 2, with HasSequencer
    internal const ushort KnownFlags1 = HasSequencer | HasLabelNames;
    internal const ushort KnownFlags = KnownFlags1 | HasArchitecture | HasCharacters;
    internal const int MaxArchitectureEntries = 256;

    internal const string OptionsTag = "OPTS";
    internal const string ArchitectureTag = "ARCH";
    internal const string ParametersTag = "PARM";
    internal const string CharactersTag = "CHAR";
    internal const string TextTag = "TEXT";
    internal const string LabelsTag = "LABL";
    internal const string NumbersTag = "NUMS";
    internal const string MetadataTag = "META";

    internal static ReadOnlySpan<byte> Magic => "RNNMODEL"u8;

    /// <summary>The sections a file with these flags holds, in their required order.</summary>
    internal static List<string> SectionTags(ushort flags)
    {
        var tags = new List<string> { OptionsTag };
        if ((flags & HasArchitecture) != 0)
        {
            tags.Add(ArchitectureTag);
        }
        tags.Add(ParametersTag);
        if ((flags & HasSequencer) != 0)
        {
            tags.Add(TextTag);
        }
        if ((flags & HasCharacters) != 0)
        {
            tags.Add(CharactersTag);
        }
        if ((flags & HasLabelNames) != 0)
        {
            tags.Add(LabelsTag);
        }
        tags.Add(NumbersTag);
        tags.Add(MetadataTag);
        return tags;
    }

    /// <summary>
    /// The number of scalar parameters <see cref="SequenceModel"/> registers for validated options: the embedding
    /// (V, E), per layer and direction weight_ih (G·H, in), weight_hh (G·H, H), two biases (G·H), then fc (C, D·H) — (C, 3·D·H) for a many-to-one head with concat pooling — and (C), then ngram.weight (buckets, C) when present, and ngram.bias (C) for an n-gram ensemble.
    /// Exact in 64-bit arithmetic for every option in range, so a file can be checked before the model is allocated.
    /// </summary>
    internal static long ParameterCount(SequenceModelOptions options)
    {
        long hidden = options.HiddenSize;
        long directions = options.IsBidirectional ? 2 : 1;
        long gates = options.Cell switch
        {
            RecurrentCellKind.Lstm => 4,
            RecurrentCellKind.Gru => 3,
            _ => 1,
        } * hidden;
        long count = options.UsesTokens ? (long)options.VocabularySize * options.EmbeddingSize : 0;
        if (options.UsesCharacters)
        {
            // char_embedding (Vc, Ec); per width w: char_conv weight (F, Ec, w) and bias (F).
            long e = options.CharacterEmbeddingSize, f = options.CharacterFilters, widths = options.CharacterMaxWidth;
            count += options.CharacterVocabularySize * e + f * e * widths * (widths + 1) / 2 + f * widths;
        }
        for (int layer = 0; layer < options.NumLayers; layer++)
        {
            long input = layer == 0 ? options.StepInputSize : directions * hidden;
            count += directions * (gates * input + gates * hidden + 2 * gates);
        }
        long outputs = options.HeadOutputs;
        bool concat = (options.Task is SequenceTask.Classification or SequenceTask.Regression) && options.Pooling == SequencePooling.Concat;
        long headWeight = options.TieWeights ? 0 : outputs * (concat ? 3 : 1) * directions * hidden;
        long ngrams = options.UsesNgrams ? (long)options.NgramBuckets * outputs + (options.NgramEnsemble ? outputs : 0) : 0;
        return count + headWeight + outputs + ngrams;
    }
}
