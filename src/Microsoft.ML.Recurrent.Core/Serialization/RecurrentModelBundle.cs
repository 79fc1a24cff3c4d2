using System.Collections.ObjectModel;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.Serialization;

/// <summary>
/// Everything needed to use a trained model, saved and loaded as one model file (see <see cref="RecurrentModelFile"/>
/// for the format): the <see cref="SequenceModel"/> (options and weights), the text sequencer of a text model,
/// label names, numeric metadata such as normalisation statistics, and free-form string metadata.
/// The bundle holds the model by reference: saving writes its weights as they are at that moment.
/// </summary>
public sealed class RecurrentModelBundle
{
    /// <summary>Creates a bundle, validating that its parts fit together.</summary>
    /// <param name="model">The model; not null.</param>
    /// <param name="sequencer">
    /// The tokenizer and vocabulary of a token model, or null. When given, the model must read tokens and its
    /// <see cref="SequenceModelOptions.VocabularySize"/> must equal the vocabulary's count.
    /// </param>
    /// <param name="labelNames">
    /// One name per head output (<see cref="SequenceModelOptions.HeadOutputs"/>: classes, tags or regression outputs), or null.
    /// </param>
    /// <param name="numbers">Named finite numbers, e.g. feature means and standard deviations; null means none. Keys are non-empty.</param>
    /// <param name="metadata">Free-form named strings; null means none. Keys are non-empty, values not null.</param>
    /// <exception cref="ArgumentException">A part does not fit the model, or a name, key or value is not allowed.</exception>
    public RecurrentModelBundle(SequenceModel model, TextSequencer? sequencer = null, IEnumerable<string>? labelNames = null,
        IEnumerable<KeyValuePair<string, double>>? numbers = null, IEnumerable<KeyValuePair<string, string>>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var options = model.Options;
        if (sequencer is not null && (!options.UsesTokens || sequencer.Vocabulary.Count != options.VocabularySize))
        {
            throw new ArgumentException(
                $"The sequencer's vocabulary has {sequencer.Vocabulary.Count} tokens; the model's VocabularySize is {options.VocabularySize} and must be equal.",
                nameof(sequencer));
        }
        Model = model;
        Sequencer = sequencer;
        if (labelNames is not null)
        {
            string[] names = [.. labelNames];
            if (names.Length != options.HeadOutputs)
            {
                throw new ArgumentException($"There are {names.Length} label names; the model has {options.HeadOutputs} outputs and needs one name per output.", nameof(labelNames));
            }
            for (int i = 0; i < names.Length; i++)
            {
                CheckText(names[i], $"Label name {i}", nameof(labelNames), allowEmpty: true);
            }
            LabelNames = new ReadOnlyCollection<string>(names);
        }
        var numberMap = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (key, value) in numbers ?? [])
        {
            CheckText(key, "A number's key", nameof(numbers), allowEmpty: false);
            if (!double.IsFinite(value))
            {
                throw new ArgumentException($"Number \"{key}\" is {value}; numbers must be finite.", nameof(numbers));
            }
            if (!numberMap.TryAdd(key, value))
            {
                throw new ArgumentException($"Number \"{key}\" appears twice.", nameof(numbers));
            }
        }
        Numbers = new ReadOnlyDictionary<string, double>(numberMap);
        var metadataMap = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in metadata ?? [])
        {
            CheckText(key, "A metadata key", nameof(metadata), allowEmpty: false);
            CheckText(value, $"Metadata value \"{key}\"", nameof(metadata), allowEmpty: true);
            if (!metadataMap.TryAdd(key, value))
            {
                throw new ArgumentException($"Metadata key \"{key}\" appears twice.", nameof(metadata));
            }
        }
        Metadata = new ReadOnlyDictionary<string, string>(metadataMap);
    }

    /// <summary>The model: options and weights.</summary>
    public SequenceModel Model { get; }

    /// <summary>The tokenizer and vocabulary of a text model, or null.</summary>
    public TextSequencer? Sequencer { get; }

    /// <summary>One name per head output (classes, tags or regression outputs), or null.</summary>
    public IReadOnlyList<string>? LabelNames { get; }

    /// <summary>Named numbers, e.g. normalisation statistics; empty when there are none.</summary>
    public IReadOnlyDictionary<string, double> Numbers { get; }

    /// <summary>Free-form named strings; empty when there are none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Saves the bundle to a file atomically: the file is written to a temporary file in the same directory, flushed
    /// to disk and then moved over <paramref name="path"/>. If anything fails, an existing file at <paramref name="path"/>
    /// is left as it was and the temporary file is removed. The temporary file has a short fixed-length name derived from
    /// the file name, <c>.&lt;16 hex digits&gt;.rnnsave.tmp</c>; one left behind by a killed process is replaced and moved
    /// away by the next save of the same file. Two saves of the same file at the same time: the second fails.
    /// </summary>
    /// <param name="path">The file to write (by convention ending in <see cref="RecurrentModelFile.Extension"/>).</param>
    /// <exception cref="InvalidOperationException">A weight is NaN or infinite; no file is touched.</exception>
    /// <exception cref="IOException">The file cannot be written; the message names <paramref name="path"/>.</exception>
    public void Save(string path) => RecurrentModelFile.SaveAtomically(this, path, wrapStream: null);

    /// <summary>
    /// Writes the model file to a stream at its position. The file is fully serialised in memory first, so a failure
    /// of serialisation writes nothing; a failure of the stream itself may leave part of the file in it.
    /// </summary>
    /// <param name="stream">A writable stream; not null. It is not closed.</param>
    /// <exception cref="InvalidOperationException">A weight is NaN or infinite.</exception>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var file = ModelFileWriter.Serialize(this);
        stream.Write(file.GetBuffer(), 0, (int)file.Length);
        stream.Flush();
    }

    /// <summary>The model file as bytes.</summary>
    /// <exception cref="InvalidOperationException">A weight is NaN or infinite.</exception>
    public byte[] ToBytes()
    {
        using var file = ModelFileWriter.Serialize(this);
        return file.ToArray();
    }

    /// <summary>The model file as base64 text, e.g. to embed it in another (text) model format.</summary>
    /// <exception cref="InvalidOperationException">A weight is NaN or infinite.</exception>
    public string ToBase64()
    {
        using var file = ModelFileWriter.Serialize(this);
        return Convert.ToBase64String(file.GetBuffer(), 0, (int)file.Length);
    }

    /// <summary>Loads a model file; the file must hold exactly one model file and nothing after it.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The bundle.</returns>
    /// <exception cref="InvalidDataException">
    /// The file is not a model file, has a newer format version, is truncated, corrupt (checksum) or inconsistent;
    /// the message says which.
    /// </exception>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/> (other I/O errors pass through too).</exception>
    public static RecurrentModelBundle Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return ModelFileReader.Read(file, requireEnd: true);
    }

    /// <summary>
    /// Reads one model file from a stream at its position and leaves the stream just after it (so a model file can
    /// be embedded in a larger stream). Memory use is bounded by the data actually present.
    /// </summary>
    /// <param name="stream">A readable stream; not null. It is not closed.</param>
    /// <returns>The bundle.</returns>
    /// <exception cref="InvalidDataException">As for <see cref="Load(string)"/>.</exception>
    public static RecurrentModelBundle Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return ModelFileReader.Read(stream, requireEnd: false);
    }

    /// <summary>Reads a model file from bytes that hold exactly one model file.</summary>
    /// <param name="data">The bytes, as written by <see cref="ToBytes"/>.</param>
    /// <returns>The bundle.</returns>
    /// <exception cref="InvalidDataException">As for <see cref="Load(string)"/>.</exception>
    public static RecurrentModelBundle FromBytes(ReadOnlySpan<byte> data) => ModelFileReader.Read(data);

    /// <summary>Reads a model file from base64 text written by <see cref="ToBase64"/>.</summary>
    /// <param name="base64">The text; not null.</param>
    /// <returns>The bundle.</returns>
    /// <exception cref="InvalidDataException">The text is not base64, or as for <see cref="Load(string)"/>.</exception>
    public static RecurrentModelBundle FromBase64(string base64)
    {
        ArgumentNullException.ThrowIfNull(base64);
        byte[] data;
        try
        {
            data = Convert.FromBase64String(base64);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException("Not a model file: the text is not valid base64.", e);
        }
        return FromBytes(data);
    }

    private static void CheckText(string? text, string what, string paramName, bool allowEmpty)
    {
        if (text is null || (!allowEmpty && text.Length == 0))
        {
            throw new ArgumentException($"{what} is {(text is null ? "null" : "empty")}.", paramName);
        }
        int bad = Utf16Text.IndexOfIllFormed(text);
        if (bad >= 0)
        {
            throw new ArgumentException($"{what} (\"{Utf16Text.Repair(text)}\") has a lone surrogate at index {bad}; it cannot be saved as UTF-8.", paramName);
        }
    }
}
