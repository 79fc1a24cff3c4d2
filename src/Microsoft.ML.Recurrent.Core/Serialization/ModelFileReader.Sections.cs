using System.Buffers.Binary;
using System.Text;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.Serialization;

internal static partial class ModelFileReader
{
    private sealed class Parts
    {
        public SequenceModel? Model;
        public TextSequencer? Sequencer;
        public string[]? LabelNames;
        public Dictionary<string, double> NumericMetadata = new(StringComparer.Ordinal);
        public Dictionary<string, string> Metadata = new(StringComparer.Ordinal);
    }

    private static RecurrentModelFile ReadSections(Header header, byte[] content)
    {
        var parts = new Parts();
        SequenceModelOptions? options = null;
        int position = 0;
        foreach (string tag in ModelFileFormat.SectionTags(header.Flags))
        {
            if (content.Length - position < ModelFileFormat.SectionHeaderSize)
            {
                throw new InvalidDataException($"Invalid model file: the content ends before section '{tag}' (truncated or inconsistent lengths).");
            }
            string actualTag = Encoding.ASCII.GetString(content, position, 4);
            if (actualTag != tag)
            {
                throw new InvalidDataException($"Invalid model file: expected section '{tag}' at content offset {position}, found '{Printable(content.AsSpan(position, 4))}'.");
            }
            int length = BinaryPrimitives.ReadInt32LittleEndian(content.AsSpan(position + 4));
            position += ModelFileFormat.SectionHeaderSize;
            if (length < 0 || length > content.Length - position)
            {
                throw new InvalidDataException($"Invalid model file: section '{tag}' declares {length} bytes, but only {content.Length - position} remain (truncated or corrupt).");
            }
            using var section = new MemoryStream(content, position, length, writable: false);
            var reader = new BinaryFieldReader(section, "model file", $"the '{tag}' section", length);
            switch (tag)
            {
                case ModelFileFormat.OptionsTag:
                    options = ReadOptions(reader);
                    break;
                case ModelFileFormat.ArchitectureTag:
                    options = ReadArchitecture(reader, options!);
                    break;
                case ModelFileFormat.CharactersTag:
                    parts.Sequencer = ReadCharacters(reader, parts.Sequencer!, options!);
                    break;
                case ModelFileFormat.ParametersTag:
                    parts.Model = ReadParameters(reader, options!);
                    break;
                case ModelFileFormat.TextTag:
                    parts.Sequencer = ReadSequencer(reader, section, options!);
                    break;
                case ModelFileFormat.LabelsTag:
                    parts.LabelNames = ReadLabels(reader, options!);
                    break;
                case ModelFileFormat.NumbersTag:
                    ReadMap(reader, "number", r => r.ReadDouble("a number"), parts.NumericMetadata, 12);
                    break;
                default:
                    ReadMap(reader, "metadata entry", r => r.ReadString("a metadata value"), parts.Metadata, 8);
                    break;
            }
            reader.ExpectEnd();
            position += length;
        }
        if (position != content.Length)
        {
            throw new InvalidDataException($"Invalid model file: {content.Length - position} unexpected bytes after the last section.");
        }
        DataProfile.FromNumbers(parts.NumericMetadata); // the recorded training profile, if any, is validated like the rest
        try
        {
            return new RecurrentModelFile(parts.Model!, parts.Sequencer, parts.LabelNames, parts.NumericMetadata, parts.Metadata);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Invalid model file: its contents are invalid: {e.Message}", e);
        }
    }

    private static SequenceModelOptions ReadOptions(BinaryFieldReader r)
    {
        if (r.Remaining != ModelFileFormat.OptionsSize)
        {
            throw r.InvalidPart($"has {r.Remaining} bytes; the options take {ModelFileFormat.OptionsSize} (later options are in the ARCH section)");
        }
        var task = (SequenceTask)r.ReadInt32("Task");
        int vocabularySize = r.ReadInt32("VocabularySize"), embeddingSize = r.ReadInt32("EmbeddingSize");
        int inputFeatures = r.ReadInt32("InputFeatures");
        var cell = (RecurrentCellKind)r.ReadInt32("Cell");
        int hiddenSize = r.ReadInt32("HiddenSize"), numLayers = r.ReadInt32("NumLayers");
        byte bidirectional = r.ReadByte();
        float dropout = r.ReadSingle("Dropout");
        var pooling = (SequencePooling)r.ReadInt32("Pooling");
        int outputSize = r.ReadInt32("OutputSize");
        byte hasForgetGateBias = r.ReadByte();
        float forgetGateBias = r.ReadSingle("ForgetGateBias");
        if (bidirectional > 2)
        {
            throw r.InvalidPart($"stores Bidirectional as {bidirectional}; allowed 0 (null), 1 (false), 2 (true)");
        }
        if (hasForgetGateBias > 1 || (hasForgetGateBias == 0 && BitConverter.SingleToInt32Bits(forgetGateBias) != 0) || !float.IsFinite(forgetGateBias))
        {
            throw r.InvalidPart($"stores ForgetGateBias as flag {hasForgetGateBias}, value {forgetGateBias}; allowed: flag 0 with value 0, or flag 1 with a finite value");
        }
        if (!Enum.IsDefined(cell))
        {
            throw r.InvalidPart($"stores Cell {(int)cell}; allowed 0..3 (RnnTanh, RnnRelu, Lstm, Gru)");
        }
        var options = new SequenceModelOptions
        {
            Task = task,
            VocabularySize = vocabularySize,
            EmbeddingSize = embeddingSize,
            InputFeatures = inputFeatures,
            Cell = cell,
            HiddenSize = hiddenSize,
            NumLayers = numLayers,
            Bidirectional = bidirectional == 0 ? null : bidirectional == 2,
            Dropout = dropout,
            Pooling = pooling,
            OutputSize = outputSize,
            ForgetGateBias = hasForgetGateBias == 1 ? forgetGateBias : null,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Invalid model file: the stored model options are invalid: {e.Message}", e);
        }
        return options;
    }

    private static SequenceModel ReadParameters(BinaryFieldReader r, SequenceModelOptions options)
    {
        int tensors = r.ReadInt32Count("a tensor count", ModelFileFormat.MaxTensors, 12);
        long total = r.ReadInt64("the value count");
        var names = new string[tensors];
        var shapes = new int[tensors][];
        long sum = 0;
        for (int i = 0; i < tensors; i++)
        {
            names[i] = r.ReadString($"the name of tensor {i}");
            int rank = r.ReadInt32($"the rank of '{names[i]}'");
            if (rank < 1 || rank > ModelFileFormat.MaxRank)
            {
                throw r.InvalidPart($"gives parameter '{names[i]}' rank {rank}; allowed 1..{ModelFileFormat.MaxRank}");
            }
            shapes[i] = new int[rank];
            long size = 1;
            for (int d = 0; d < rank; d++)
            {
                shapes[i][d] = r.ReadInt32($"a dimension of '{names[i]}'");
                if (shapes[i][d] < 1)
                {
                    throw r.InvalidPart($"gives parameter '{names[i]}' dimension {d} = {shapes[i][d]}; dimensions must be at least 1");
                }
                size = Math.Min(size * shapes[i][d], 1L << 40);
            }
            sum += size;
        }
        if (total != sum)
        {
            throw r.InvalidPart($"declares {total} values, but its tensor shapes add up to {sum}");
        }
        if (4 * total != r.Remaining)
        {
            throw r.InvalidPart($"declares {total} float values ({4 * total} bytes), but holds {r.Remaining} bytes of values (truncated or corrupt)");
        }
        long expected = ModelFileFormat.ParameterCount(options);
        if (total != expected)
        {
            throw r.InvalidPart($"holds {total} parameters, but its model options call for {expected}");
        }
        SequenceModel model;
        try
        {
            model = new SequenceModel(options, seed: null); // every weight is read below
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Invalid model file: the stored model options are invalid: {e.Message}", e);
        }
        var parameters = model.Parameters;
        if (parameters.Names.Count != tensors)
        {
            throw r.InvalidPart($"lists {tensors} tensors; the model options call for {parameters.Names.Count} ({string.Join(", ", parameters.Names)})");
        }
        for (int i = 0; i < tensors; i++)
        {
            var info = parameters.GetInfo(parameters.Names[i]);
            if (names[i] != info.Name || !shapes[i].AsSpan().SequenceEqual(info.Shape))
            {
                throw r.InvalidPart($"lists tensor {i} as '{names[i]}' [{string.Join(", ", shapes[i])}]; the model options call for '{info.Name}' [{string.Join(", ", info.Shape)}]");
            }
        }
        foreach (string name in parameters.Names)
        {
            r.ReadFiniteFloats(parameters.GetValues(name), name);
        }
        return model;
    }

    private static TextSequencer ReadSequencer(BinaryFieldReader r, Stream section, SequenceModelOptions options)
    {
        if (!options.UsesTokens)
        {
            throw r.InvalidPart("is present, but the model reads numeric features, not tokens");
        }
        // The text records are read by their own public reader, from the same section stream (which ends with the section).
        long start = section.Position;
        using var binary = new BinaryReader(section, Encoding.UTF8, leaveOpen: true);
        TextSequencer sequencer;
        try
        {
            sequencer = TextSequencer.ReadFrom(binary, options.VocabularySize, (int)r.Remaining);
        }
        catch (InvalidDataException e)
        {
            throw r.InvalidPart($"holds an invalid tokenizer or vocabulary: {e.Message}");
        }
        r.Skip(section.Position - start);
        if (sequencer.Vocabulary.Count != options.VocabularySize)
        {
            throw r.InvalidPart($"holds a vocabulary of {sequencer.Vocabulary.Count} tokens; the model's VocabularySize is {options.VocabularySize}");
        }
        return sequencer;
    }

    private static string[] ReadLabels(BinaryFieldReader r, SequenceModelOptions options)
    {
        int count = r.ReadInt32Count("a label count", options.HeadOutputs, 4);
        if (count != options.HeadOutputs)
        {
            throw r.InvalidPart($"holds {count} label names; the model has {options.HeadOutputs} outputs");
        }
        var labels = new string[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = r.ReadString($"label name {i}");
        }
        return labels;
    }

    private static void ReadMap<T>(BinaryFieldReader r, string what, Func<BinaryFieldReader, T> readValue,
        Dictionary<string, T> map, int minEntryBytes)
    {
        int count = r.ReadInt32Count($"a {what} count", int.MaxValue, minEntryBytes);
        string? previous = null;
        for (int i = 0; i < count; i++)
        {
            string key = r.ReadString($"the key of {what} {i}");
            if (previous is not null && string.CompareOrdinal(previous, key) >= 0)
            {
                throw r.InvalidPart($"has key \"{key}\" after \"{previous}\"; keys must be unique and in ordinal order");
            }
            map.Add(key, readValue(r));
            previous = key;
        }
    }

    private static string Printable(ReadOnlySpan<byte> tag)
    {
        var builder = new StringBuilder();
        foreach (byte b in tag)
        {
            builder.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
        }
        return builder.ToString();
    }
}
