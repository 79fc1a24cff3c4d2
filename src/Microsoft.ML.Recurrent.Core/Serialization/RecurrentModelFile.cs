using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Serialization;

/// <summary>
/// The versioned model file of Microsoft.ML.Recurrent. All integers little-endian.
/// <code>
/// header (56 bytes)
///   0  magic "RNNMODEL"                       8 bytes
///   8  format version (uint16)                1
///  10  flags (uint16)                         bit 0: TEXT section present; bit 1: LABL section present
///  12  section count (int32)                  4 + number of flag bits set
///  16  content length (int64)                 bytes after the header
///  24  SHA-256 (32 bytes)                     over header bytes 0..23 and the content
/// content: sections in this order, each tag (4 ASCII bytes) | body length (int32) | body
///   OPTS  SequenceModelOptions (46 bytes): Task, VocabularySize, EmbeddingSize, InputFeatures, Cell, HiddenSize,
///         NumLayers (int32 each) | Bidirectional (byte: 0 null, 1 false, 2 true) | Dropout (float32) | Pooling,
///         OutputSize (int32) | ForgetGateBias present (byte) | ForgetGateBias (float32, 0 when absent)
///   PARM  tensor count (int32) | value count (int64) | per tensor: name, rank (int32), dims (int32 each)
///         | all values (float32) in ParameterSet order
///   TEXT  (optional) the tokenizer record then the vocabulary record (TextSequencer.WriteTo)
///   LABL  (optional) count (int32) = head outputs | names
///   NUMS  count (int32) | per entry, keys in ordinal order: key, value (float64)
///   META  count (int32) | per entry, keys in ordinal order: key, value
/// strings: byte length (int32) | UTF-8
/// </code>
/// </summary>
public static class RecurrentModelFile
{
    /// <summary>The format version this build writes and reads.</summary>
    public const int CurrentVersion = ModelFileFormat.Version;

    /// <summary>The conventional file name extension, <c>.rnnmodel</c>.</summary>
    public const string Extension = ".rnnmodel";

    /// <summary>Saves a bundle to a file atomically (see <see cref="RecurrentModelBundle.Save(string)"/>).</summary>
    /// <param name="bundle">The bundle; not null.</param>
    /// <param name="path">The file to write.</param>
    public static void Save(RecurrentModelBundle bundle, string path)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        bundle.Save(path);
    }

    /// <summary>Loads a bundle from a file (see <see cref="RecurrentModelBundle.Load(string)"/>).</summary>
    /// <param name="path">The file.</param>
    /// <returns>The bundle.</returns>
    /// <exception cref="InvalidDataException">The file is not a valid model file; the message says why.</exception>
    public static RecurrentModelBundle Load(string path) => RecurrentModelBundle.Load(path);

    /// <summary>Whether <paramref name="data"/> starts with the magic bytes of a model file (it may still be invalid).</summary>
    /// <param name="data">The first bytes of a file; 8 or more are needed for a true answer.</param>
    /// <returns>True when the first 8 bytes are <c>RNNMODEL</c>.</returns>
    public static bool HasMagic(ReadOnlySpan<byte> data) => data.StartsWith(ModelFileFormat.Magic);

    /// <summary>
    /// Serialises first (so a bundle that cannot be saved touches no file), then writes the file atomically through a
    /// temporary file beside <paramref name="path"/> (see <see cref="AtomicFile"/>).
    /// <paramref name="wrapStream"/> lets tests inject a failing stream.
    /// </summary>
    internal static void SaveAtomically(RecurrentModelBundle bundle, string path, Func<Stream, Stream>? wrapStream)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var content = ModelFileWriter.Serialize(bundle);
        AtomicFile.Write(path, file =>
        {
            Stream target = wrapStream?.Invoke(file) ?? file;
            target.Write(content.GetBuffer(), 0, (int)content.Length);
            target.Flush();
        });
    }
}
