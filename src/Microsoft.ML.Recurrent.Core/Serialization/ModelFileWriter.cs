using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.Serialization;

/// <summary>Serialises a <see cref="RecurrentModelFile"/> into its bytes, in memory.</summary>
internal static class ModelFileWriter
{
    /// <summary>
    /// Writes header and sections into a memory stream and returns it positioned at 0. Nothing is written to
    /// any destination until serialisation has succeeded, so a failure here cannot leave a partial file.
    /// </summary>
    /// <exception cref="InvalidOperationException">A weight is not finite (a file with it could not be loaded).</exception>
    internal static MemoryStream Serialize(RecurrentModelFile bundle)
    {
        var model = bundle.Model;
        CheckFinite(model);
        ushort flags = (ushort)((bundle.Sequencer is null ? 0 : ModelFileFormat.HasSequencer)
            | (bundle.LabelNames is null ? 0 : ModelFileFormat.HasLabelNames));
        List<string> tags = ModelFileFormat.SectionTags(flags);

        var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(ModelFileFormat.Magic);
            writer.Write((ushort)ModelFileFormat.Version);
            writer.Write(flags);
            writer.Write(tags.Count);
            writer.Write(0L);               // content length, patched below
            writer.Write(new byte[32]);     // SHA-256, patched below
            foreach (string tag in tags)
            {
                WriteSection(writer, tag, bundle);
            }
        }

        byte[] buffer = stream.GetBuffer();
        int length = (int)stream.Length;
        long contentLength = length - ModelFileFormat.HeaderSize;
        BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(16, 8), contentLength);
        ComputeHash(buffer.AsSpan(0, ModelFileFormat.HashedHeaderSize), buffer.AsSpan(ModelFileFormat.HeaderSize, (int)contentLength),
            buffer.AsSpan(ModelFileFormat.HashedHeaderSize, 32));
        stream.Position = 0;
        return stream;
    }

    /// <summary>SHA-256 over the header's first 24 bytes (magic, version, flags, section count, content length) and the content.</summary>
    internal static void ComputeHash(ReadOnlySpan<byte> hashedHeader, ReadOnlySpan<byte> content, Span<byte> destination)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(hashedHeader);
        hash.AppendData(content);
        hash.GetHashAndReset(destination);
    }

    private static void WriteSection(BinaryWriter writer, string tag, RecurrentModelFile bundle)
    {
        writer.Write(Encoding.ASCII.GetBytes(tag));
        long lengthAt = writer.BaseStream.Position;
        writer.Write(0);
        long start = writer.BaseStream.Position;
        switch (tag)
        {
            case ModelFileFormat.OptionsTag:
                WriteOptions(writer, bundle.Model.Options);
                break;
            case ModelFileFormat.ParametersTag:
                WriteParameters(writer, bundle.Model);
                break;
            case ModelFileFormat.TextTag:
                bundle.Sequencer!.WriteTo(writer);
                break;
            case ModelFileFormat.LabelsTag:
                writer.Write(bundle.LabelNames!.Count);
                foreach (string name in bundle.LabelNames)
                {
                    WriteString(writer, name);
                }
                break;
            case ModelFileFormat.NumbersTag:
                writer.Write(bundle.NumericMetadata.Count);
                foreach (var key in SortedKeys(bundle.NumericMetadata.Keys))
                {
                    WriteString(writer, key);
                    writer.Write(bundle.NumericMetadata[key]);
                }
                break;
            default:
                writer.Write(bundle.Metadata.Count);
                foreach (var key in SortedKeys(bundle.Metadata.Keys))
                {
                    WriteString(writer, key);
                    WriteString(writer, bundle.Metadata[key]);
                }
                break;
        }
        long end = writer.BaseStream.Position;
        long bodyLength = end - start;
        if (end > Array.MaxLength)
        {
            throw new InvalidOperationException($"The model file would be {end} bytes; at most {Array.MaxLength} bytes are supported.");
        }
        writer.BaseStream.Position = lengthAt;
        writer.Write((int)bodyLength);
        writer.BaseStream.Position = end;
    }

    private static void WriteOptions(BinaryWriter writer, SequenceModelOptions o)
    {
        writer.Write((int)o.Task);
        writer.Write(o.VocabularySize);
        writer.Write(o.EmbeddingSize);
        writer.Write(o.InputFeatures);
        writer.Write((int)o.Cell);
        writer.Write(o.HiddenSize);
        writer.Write(o.NumLayers);
        writer.Write((byte)(o.Bidirectional is null ? 0 : o.Bidirectional.Value ? 2 : 1));
        writer.Write(o.Dropout);
        writer.Write((int)o.Pooling);
        writer.Write(o.OutputSize);
        writer.Write((byte)(o.ForgetGateBias is null ? 0 : 1));
        writer.Write(o.ForgetGateBias ?? 0f);
    }

    private static void WriteParameters(BinaryWriter writer, SequenceModel model)
    {
        var parameters = model.Parameters;
        writer.Write(parameters.Names.Count);
        writer.Write((long)parameters.Count);
        foreach (string name in parameters.Names)
        {
            var info = parameters.GetInfo(name);
            WriteString(writer, name);
            writer.Write(info.Shape.Length);
            foreach (int d in info.Shape)
            {
                writer.Write(d);
            }
        }
        ReadOnlySpan<float> values = parameters.Values;
        if (BitConverter.IsLittleEndian)
        {
            writer.Write(MemoryMarshal.AsBytes(values));
        }
        else
        {
            foreach (float v in values)
            {
                writer.Write(v);
            }
        }
    }

    private static void WriteString(BinaryWriter writer, string value)
    {
        byte[] bytes = Utf16Text.StrictUtf8.GetBytes(value);
        writer.Write(bytes.Length);
        writer.Write(bytes);
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
