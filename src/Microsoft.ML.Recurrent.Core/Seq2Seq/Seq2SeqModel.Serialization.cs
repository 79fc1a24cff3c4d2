using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.Seq2Seq;

// The sequence-to-sequence model file (.s2smodel), its own format, apart from the SequenceModel's .rnnmodel:
//   record "RS2S" v1: options (see WriteOptions), has-source byte | CRC-32
//   the source vocabulary's "RVOC" record (when there is a source), the target vocabulary's "RVOC" record
//   record "RS2W" v1: parameter count (int32) | per parameter, in the model's order: name (int32 length + UTF-8),
//                     value count (int32), little-endian float32 values | CRC-32
public sealed partial class Seq2SeqModel
{
    internal const uint HeadMagic = 0x53325352;    // "RS2S" as little-endian bytes
    internal const uint WeightsMagic = 0x57325352; // "RS2W"
    internal const byte FormatVersion = 1;
    private const string FileWhat = "sequence-to-sequence model file";

    /// <summary>The most tokens a vocabulary of a loaded model may have.</summary>
    public const int MaxVocabularySize = 1_000_000;

    /// <summary>Writes the model (shape, vocabularies, weights) to a stream.</summary>
    /// <param name="stream">The destination, positioned where the model begins.</param>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        using (var head = new BinaryFieldWriter())
        {
            head.BeginRecord(HeadMagic, FormatVersion);
            var o = Options;
            foreach (int value in new[] { o.SourceEmbeddingSize, o.TargetEmbeddingSize, (int)o.EncoderCell, o.EncoderHiddenSize, o.EncoderLayers,
                o.Bidirectional ? 1 : 0, (int)o.DecoderCell, o.DecoderHiddenSize, o.DecoderLayers, (int)o.Attention, o.AttentionSize,
                o.InputFeeding ? 1 : 0, o.FeatureSize, SourceVocabulary is null ? 0 : 1 })
            {
                head.WriteInt32(value);
            }
            head.EndRecord();
            head.CopyTo(writer);
        }
        SourceVocabulary?.WriteTo(writer);
        TargetVocabulary.WriteTo(writer);
        using (var weights = new BinaryFieldWriter())
        {
            weights.BeginRecord(WeightsMagic, FormatVersion);
            weights.WriteInt32(Parameters.Names.Count);
            foreach (string name in Parameters.Names)
            {
                weights.WriteString(name);
                var values = Parameters.GetValues(name);
                weights.WriteInt32(values.Length);
                weights.WriteSingles(values);
            }
            weights.EndRecord();
            weights.CopyTo(writer);
        }
        writer.Flush();
    }

    /// <summary>Writes the model to a file (atomically: a crash leaves the old file or the new one).</summary>
    /// <param name="path">The file.</param>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.Write(path, Save);
    }

    /// <summary>Reads a model written by <see cref="Save(Stream)"/>, validating everything before it is used.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The model.</returns>
    /// <exception cref="InvalidDataException">The file is truncated, corrupted or not a sequence-to-sequence model; the message says what is wrong.</exception>
    public static Seq2SeqModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = File.OpenRead(path);
        return Load(stream);
    }

    /// <summary>Reads a model written by <see cref="Save(Stream)"/>, validating everything before it is used.</summary>
    /// <param name="stream">The source, positioned where the model begins; left after it.</param>
    /// <returns>The model.</returns>
    /// <exception cref="InvalidDataException">The data is truncated, corrupted or not a sequence-to-sequence model; the message says what is wrong.</exception>
    public static Seq2SeqModel Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
        {
            // The weights' size is checked against the bytes present, which needs a known length.
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            return Load(copy);
        }
        var head = new BinaryFieldReader(stream, FileWhat, "the head record");
        head.ReadRecordHead(HeadMagic, FormatVersion);
        int Field(string name, int min, int max)
        {
            int value = head.ReadInt32(name);
            if (value < min || value > max)
            {
                throw head.Invalid($"{name} is {value}; allowed {min}..{max}");
            }
            return value;
        }
        var options = new Seq2SeqOptions
        {
            SourceEmbeddingSize = Field("SourceEmbeddingSize", 1, 4096),
            TargetEmbeddingSize = Field("TargetEmbeddingSize", 1, 4096),
            EncoderCell = (RecurrentCellKind)Field("EncoderCell", 0, 3),
            EncoderHiddenSize = Field("EncoderHiddenSize", 1, 4096),
            EncoderLayers = Field("EncoderLayers", 1, 8),
            Bidirectional = Field("Bidirectional", 0, 1) == 1,
            DecoderCell = (RecurrentCellKind)Field("DecoderCell", 0, 3),
            DecoderHiddenSize = Field("DecoderHiddenSize", 1, 4096),
            DecoderLayers = Field("DecoderLayers", 1, 8),
            Attention = (AttentionKind)Field("Attention", 0, 2),
            AttentionSize = Field("AttentionSize", 1, 4096),
            InputFeeding = Field("InputFeeding", 0, 1) == 1,
            FeatureSize = Field("FeatureSize", 0, 65536),
        };
        bool hasSource = Field("the has-source flag", 0, 1) == 1;
        head.VerifyRecordChecksum();
        if (!hasSource && options.Attention != AttentionKind.None)
        {
            throw head.Invalid($"a model without a source has Attention {options.Attention}; it must be None");
        }
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        var source = hasSource ? Vocabulary.ReadFrom(reader, MaxVocabularySize, 64 * MaxVocabularySize) : null;
        var target = Vocabulary.ReadFrom(reader, MaxVocabularySize, 64 * MaxVocabularySize);
        if (target.BeginId < 0 || target.EndId < 0)
        {
            throw head.Invalid("the target vocabulary has no BOS or EOS token; a decoder needs both");
        }
        Seq2SeqModel model;
        try
        {
            model = new Seq2SeqModel(options, source, target);
        }
        catch (ArgumentException e)
        {
            throw head.Invalid($"the model's shape is not possible ({e.Message})");
        }
        var weights = new BinaryFieldReader(stream, FileWhat, "the weights record", stream.Length - stream.Position);
        weights.ReadRecordHead(WeightsMagic, FormatVersion);
        var names = model.Parameters.Names;
        int count = weights.ReadInt32("the parameter count");
        if (count != names.Count)
        {
            throw weights.Invalid($"the weights record has {count} parameters; a model of this shape has {names.Count}");
        }
        if ((long)model.Parameters.Count * 4 > weights.Remaining)
        {
            throw weights.Invalid($"the model needs {model.Parameters.Count} weights ({model.Parameters.Count * 4L} bytes), more than the {weights.Remaining} bytes left (truncated)");
        }
        foreach (string name in names)
        {
            string actual = weights.ReadString("a parameter name");
            if (!string.Equals(actual, name, StringComparison.Ordinal))
            {
                throw weights.Invalid($"parameter '{actual}' is where '{name}' belongs");
            }
            var values = model.Parameters.GetValues(name);
            int length = weights.ReadInt32($"the value count of '{name}'");
            if (length != values.Length)
            {
                throw weights.Invalid($"parameter '{name}' has {length} values; its shape needs {values.Length}");
            }
            weights.ReadFiniteFloats(values, name);
        }
        weights.VerifyRecordChecksum();
        return model;
    }
}
