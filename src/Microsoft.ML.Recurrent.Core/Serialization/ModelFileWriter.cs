using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Serialization;

/// <summary>Serialises a <see cref="RecurrentModelFile"/> into its bytes, in memory.</summary>
internal static class ModelFileWriter
{
    /// <summary>
    /// Writes header and sections into a memory stream and returns it positioned at 0. Nothing is written to
    /// any destination until serialisation has succeeded, so a failure here cannot leave a partial file.
    /// </summary>
    /// <exception cref="InvalidOperationException">A weight is not finite (a file with it could not be loaded).</exception>
    internal static MemoryStream Serialize(RecurrentModelFile file)
    {
        var model = file.Model;
        CheckFinite(model);
        bool architecture = ArchitectureOption.Written(model.Options).Any();
        ushort flags = (ushort)((file.Sequencer is null ? 0 : ModelFileFormat.HasSequencer)
            | (file.LabelNames is null ? 0 : ModelFileFormat.HasLabelNames)
            | (architecture ? ModelFileFormat.HasArchitecture : 0)
            | (file.Sequencer?.Characters is null ? 0 : ModelFileFormat.HasCharacters));
        List<string> tags = ModelFileFormat.SectionTags(flags);

        using var writer = new BinaryFieldWriter();
        writer.WriteBytes(ModelFileFormat.Magic);
        // Version 1 whenever the model needs nothing of version 2, so such files stay readable by every earlier build.
        writer.WriteUInt16((ushort)(architecture ? ModelFileFormat.Version : ModelFileFormat.Version1));
        writer.WriteUInt16(flags);
        writer.WriteInt32(tags.Count);
        writer.WriteInt64(0);                   // content length, patched below
        writer.WriteBytes(new byte[32]);        // SHA-256, patched below
        foreach (string tag in tags)
        {
            WriteSection(writer, tag, file);
        }

        long contentLength = writer.Length - ModelFileFormat.HeaderSize;
        writer.PatchInt64(16, contentLength);
        Span<byte> bytes = writer.WrittenSpan;
        ComputeHash(bytes[..ModelFileFormat.HashedHeaderSize], bytes[ModelFileFormat.HeaderSize..],
            bytes.Slice(ModelFileFormat.HashedHeaderSize, 32));
        return writer.Detach();
    }

    /// <summary>SHA-256 over the header's first 24 bytes (magic, version, flags, section count, content length) and the content.</summary>
    internal static void ComputeHash(ReadOnlySpan<byte> hashedHeader, ReadOnlySpan<byte> content, Span<byte> destination)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(hashedHeader);
        hash.AppendData(content);
        hash.GetHashAndReset(destination);
    }

    private static void WriteSection(BinaryFieldWriter writer, string tag, RecurrentModelFile file)
    {
        writer.WriteBytes(Encoding.ASCII.GetBytes(tag));
        long lengthAt = writer.Length;
        writer.WriteInt32(0);                   // body length, patched below
        long start = writer.Length;
        switch (tag)
        {
            case ModelFileFormat.OptionsTag:
                WriteOptions(writer, file.Model.Options);
                break;
            case ModelFileFormat.ArchitectureTag:
                WriteArchitecture(writer, file.Model.Options);
                break;
            case ModelFileFormat.CharactersTag:
                var characters = file.Sequencer!.Characters!;
                writer.WriteInt32(characters.MaxWordLength);
                writer.WriteInt32(characters.Characters.Count);
                foreach (int c in characters.Characters)
                {
                    writer.WriteInt32(c);
                }
                break;
            case ModelFileFormat.ParametersTag:
                WriteParameters(writer, file.Model);
                break;
            case ModelFileFormat.TextTag:
                using (var text = new BinaryWriter(writer.Stream, Encoding.UTF8, leaveOpen: true))
                {
                    file.Sequencer!.WriteTo(text);
                }
                break;
            case ModelFileFormat.LabelsTag:
                writer.WriteInt32(file.LabelNames!.Count);
                foreach (string name in file.LabelNames)
                {
                    writer.WriteString(name);
                }
                break;
            case ModelFileFormat.NumbersTag:
                writer.WriteInt32(file.NumericMetadata.Count);
                foreach (var key in SortedKeys(file.NumericMetadata.Keys))
                {
                    writer.WriteString(key);
                    writer.WriteDouble(file.NumericMetadata[key]);
                }
                break;
            default:
                writer.WriteInt32(file.Metadata.Count);
                foreach (var key in SortedKeys(file.Metadata.Keys))
                {
                    writer.WriteString(key);
                    writer.WriteString(file.Metadata[key]);
                }
                break;
        }
        long end = writer.Length;
        if (end > Array.MaxLength)
        {
            throw new InvalidOperationException($"The model file would be {end} bytes; at most {Array.MaxLength} bytes are supported.");
        }
        writer.PatchInt32(lengthAt, (int)(end - start));
    }

    private static void WriteOptions(BinaryFieldWriter writer, SequenceModelOptions o)
    {
        writer.WriteInt32((int)o.Task);
        writer.WriteInt32(o.VocabularySize);
        writer.WriteInt32(o.EmbeddingSize);
        writer.WriteInt32(o.InputFeatures);
        writer.WriteInt32((int)o.Cell);
        writer.WriteInt32(o.HiddenSize);
        writer.WriteInt32(o.NumLayers);
        writer.WriteByte((byte)(o.Bidirectional is null ? 0 : o.Bidirectional.Value ? 2 : 1));
        writer.WriteSingle(o.Dropout);
        writer.WriteInt32((int)o.Pooling);
        writer.WriteInt32(o.OutputSize);
        writer.WriteByte((byte)(o.ForgetGateBias is null ? 0 : 1));
        writer.WriteSingle(o.ForgetGateBias ?? 0f);
    }

    private static void WriteArchitecture(BinaryFieldWriter writer, SequenceModelOptions o)
    {
        var written = ArchitectureOption.Written(o).ToList();
        writer.WriteInt32(written.Count);
        foreach (var option in written)
        {
            writer.WriteString(option.Key);
            writer.WriteByte((byte)option.Kind);
            double value = option.Get(o);
            switch (option.Kind)
            {
                case ArchitectureValueKind.Int32:
                    writer.WriteInt32((int)value);
                    break;
                case ArchitectureValueKind.Single:
                    writer.WriteSingle((float)value);
                    break;
                default:
                    writer.WriteByte(value != 0 ? (byte)1 : (byte)0);
                    break;
            }
        }
    }

    private static void WriteParameters(BinaryFieldWriter writer, SequenceModel model)
    {
        var parameters = model.Parameters;
        writer.WriteInt32(parameters.Names.Count);
        writer.WriteInt64(parameters.Count);
        foreach (string name in parameters.Names)
        {
            var info = parameters.GetInfo(name);
            writer.WriteString(name);
            writer.WriteInt32(info.Shape.Length);
            foreach (int d in info.Shape)
            {
                writer.WriteInt32(d);
            }
        }
        writer.WriteSingles(parameters.Values);
    }

    private static string[] SortedKeys(IEnumerable<string> keys)
    {
        string[] sorted = [.. keys];
        Array.Sort(sorted, StringComparer.Ordinal);
        return sorted;
    }

    private static void CheckFinite(SequenceModel model)
    {
        var parameters = model.Parameters;
        int bad = FiniteCheck.IndexOfNonFinite(parameters.Values);
        if (bad < 0)
        {
            return;
        }
        foreach (string name in parameters.Names)
        {
            var info = parameters.GetInfo(name);
            if (bad < info.Offset + info.Length)
            {
                throw new InvalidOperationException(
                    $"Parameter '{name}' has a non-finite value ({parameters.Values[bad]}) at element {bad - info.Offset}; a model with NaN or infinite weights cannot be saved.");
            }
        }
    }
}
