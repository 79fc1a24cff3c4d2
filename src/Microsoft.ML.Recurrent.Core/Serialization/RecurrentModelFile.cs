using System.Collections.ObjectModel;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.Serialization;

/// <summary>
/// The versioned model file of Microsoft.ML.Recurrent: everything needed to use a trained model, saved and loaded as one
/// file: the <see cref="SequenceModel"/> (options and weights), the text sequencer of a text model, label names, numeric
/// metadata such as normalisation statistics, and free-form string metadata. It holds the model by reference: saving
/// writes its weights as they are at that moment.
/// </summary>
/// <remarks>
/// The layout, all integers little-endian:
/// <code>
/// header (56 bytes)
///   0  magic "RNNMODEL"                       8 bytes
///   8  format version (uint16)                2 when the ARCH section is present, else 1
///  10  flags (uint16)                         bit 0: TEXT; bit 1: LABL; bit 2: ARCH (version 2); bit 3: CHAR (version 2, with TEXT)
///  12  section count (int32)                  4 + number of flag bits set
///  16  content length (int64)                 bytes after the header
///  24  SHA-256 (32 bytes)                     over header bytes 0..23 and the content
/// content: sections in this order, each tag (4 ASCII bytes) | body length (int32) | body
///   OPTS  SequenceModelOptions (46 bytes): Task, VocabularySize, EmbeddingSize, InputFeatures, Cell, HiddenSize,
///         NumLayers (int32 each) | Bidirectional (byte: 0 null, 1 false, 2 true) | Dropout (float32) | Pooling,
///         OutputSize (int32) | ForgetGateBias present (byte) | ForgetGateBias (float32, 0 when absent)
///   ARCH  (version 2) count (int32) | per entry, keys in ordinal order: key, kind (byte: 1 int32, 2 float32, 3 bool),
///         value; only options that apply and differ from their default (e.g. characters.vocabulary_size)
///   PARM  tensor count (int32) | value count (int64) | per tensor: name, rank (int32), dims (int32 each)
///         | all values (float32) in ParameterSet order
///   TEXT  (optional) the tokenizer record then the vocabulary record (TextSequencer.WriteTo); a record is
///         magic (uint32) | version (byte) | body, counts and string lengths as 7-bit varints | CRC-32 (uint32)
///   CHAR  (version 2, optional) max word length (int32) | count (int32) | characters (int32 code points) from id 3
///   LABL  (optional) count (int32) = head outputs | names
///   NUMS  count (int32) | per entry, keys in ordinal order: key, value (float64)
///   META  count (int32) | per entry, keys in ordinal order: key, value
/// strings: byte length (int32) | UTF-8
/// </code>
/// </remarks>
public sealed class RecurrentModelFile
{
    /// <summary>The newest format version this build writes and reads (it reads every earlier one; it writes version 1 for a model that needs nothing newer).</summary>
    public const int CurrentVersion = ModelFileFormat.Version;

    /// <summary>The conventional file name extension, <c>.rnnmodel</c>.</summary>
    public const string Extension = ".rnnmodel";

    /// <summary>Creates a model file in memory, validating that its parts fit together.</summary>
    /// <param name="model">The model; not null.</param>
    /// <param name="sequencer">
    /// The tokenizer and vocabulary of a token model, or null. When given, the model must read tokens and its
    /// <see cref="SequenceModelOptions.VocabularySize"/> must equal the vocabulary's count.
    /// </param>
    /// <param name="labelNames">
    /// One name per head output (<see cref="SequenceModelOptions.HeadOutputs"/>: classes, tags or regression outputs), or null.
    /// </param>
    /// <param name="numericMetadata">Named finite numbers, e.g. feature means and standard deviations; null means none. Keys are non-empty.</param>
    /// <param name="metadata">Free-form named strings; null means none. Keys are non-empty, values not null.</param>
    /// <exception cref="ArgumentException">A part does not fit the model, or a name, key or value is not allowed.</exception>
    public RecurrentModelFile(SequenceModel model, TextSequencer? sequencer = null, IEnumerable<string>? labelNames = null,
        IEnumerable<KeyValuePair<string, double>>? numericMetadata = null, IEnumerable<KeyValuePair<string, string>>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var options = model.Options;
        if (sequencer is not null && (!options.UsesTokens || sequencer.Vocabulary.Count != options.VocabularySize))
        {
            throw new ArgumentException(
                $"The sequencer's vocabulary has {sequencer.Vocabulary.Count} tokens; the model's VocabularySize is {options.VocabularySize} and must be equal.",
                nameof(sequencer));
        }
        if (sequencer is not null && (sequencer.Characters?.Count ?? 0) != options.CharacterVocabularySize)
        {
            throw new ArgumentException(sequencer.Characters is null
                ? $"The model reads characters (CharacterVocabularySize {options.CharacterVocabularySize}); its sequencer needs the CharacterVocabulary it was trained with."
                : $"The sequencer's character vocabulary has {sequencer.Characters.Count} ids; the model's CharacterVocabularySize is {options.CharacterVocabularySize} and must be equal.",
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
        foreach (var (key, value) in numericMetadata ?? [])
        {
            CheckText(key, "A number's key", nameof(numericMetadata), allowEmpty: false);
            if (!double.IsFinite(value))
            {
                throw new ArgumentException($"Number \"{key}\" is {value}; numbers must be finite.", nameof(numericMetadata));
            }
            if (!numberMap.TryAdd(key, value))
            {
                throw new ArgumentException($"Number \"{key}\" appears twice.", nameof(numericMetadata));
            }
        }
        NumericMetadata = new ReadOnlyDictionary<string, double>(numberMap);
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
    public IReadOnlyDictionary<string, double> NumericMetadata { get; }

    /// <summary>Free-form named strings; empty when there are none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Saves the model file atomically: the file is written to a temporary file in the same directory, flushed
    /// to disk and then moved over <paramref name="path"/>. If anything fails, an existing file at <paramref name="path"/>
    /// is left as it was and the temporary file is removed. The temporary file has a short fixed-length name derived from
    /// the file name, <c>.&lt;16 hex digits&gt;.rnnsave.tmp</c>; one left behind by a killed process is replaced and moved
    /// away by the next save of the same file. Two saves of the same file at the same time: the second fails.
    /// </summary>
    /// <param name="path">The file to write (by convention ending in <see cref="Extension"/>).</param>
    /// <exception cref="InvalidOperationException">A weight is NaN or infinite; no file is touched.</exception>
    /// <exception cref="IOException">The file cannot be written; the message names <paramref name="path"/>.</exception>
    public void Save(string path) => SaveAtomically(path, wrapStream: null);

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
    /// <returns>The model file.</returns>
    /// <exception cref="InvalidDataException">
    /// The file is not a model file, has a newer format version, is truncated, corrupt (checksum) or inconsistent;
    /// the message says which.
    /// </exception>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/> (other I/O errors pass through too).</exception>
    public static RecurrentModelFile Load(string path)
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
    /// <returns>The model file.</returns>
    /// <exception cref="InvalidDataException">As for <see cref="Load(string)"/>.</exception>
    public static RecurrentModelFile Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return ModelFileReader.Read(stream, requireEnd: false);
    }

    /// <summary>Reads a model file from bytes that hold exactly one model file.</summary>
    /// <param name="data">The bytes, as written by <see cref="ToBytes"/>.</param>
    /// <returns>The model file.</returns>
    /// <exception cref="InvalidDataException">As for <see cref="Load(string)"/>.</exception>
    public static RecurrentModelFile FromBytes(ReadOnlySpan<byte> data) => ModelFileReader.Read(data);

    /// <summary>Reads a model file from base64 text written by <see cref="ToBase64"/>.</summary>
    /// <param name="base64">The text; not null.</param>
    /// <returns>The model file.</returns>
    /// <exception cref="InvalidDataException">The text is not base64, or as for <see cref="Load(string)"/>.</exception>
    public static RecurrentModelFile FromBase64(string base64)
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

    /// <summary>Whether <paramref name="data"/> starts with the magic bytes of a model file (it may still be invalid).</summary>
    /// <param name="data">The first bytes of a file; 8 or more are needed for a true answer.</param>
    /// <returns>True when the first 8 bytes are <c>RNNMODEL</c>.</returns>
    public static bool HasMagic(ReadOnlySpan<byte> data) => data.StartsWith(ModelFileFormat.Magic);

    /// <summary>
    /// Serialises first (so a model that cannot be saved touches no file), then writes the file atomically through a
    /// temporary file beside <paramref name="path"/> (see <see cref="AtomicFile"/>).
    /// <paramref name="wrapStream"/> lets tests inject a failing stream.
    /// </summary>
    internal void SaveAtomically(string path, Func<Stream, Stream>? wrapStream)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var content = ModelFileWriter.Serialize(this);
        AtomicFile.Write(path, file =>
        {
            Stream target = wrapStream?.Invoke(file) ?? file;
            target.Write(content.GetBuffer(), 0, (int)content.Length);
            target.Flush();
        });
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
