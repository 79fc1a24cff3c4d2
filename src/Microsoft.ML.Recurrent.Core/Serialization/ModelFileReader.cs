using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Microsoft.ML.Recurrent.Serialization;

/// <summary>
/// Reads a model file: header (magic, version, flags, lengths) checked against the data actually present,
/// content read with memory bounded by the bytes that exist, SHA-256 verified, then every section validated
/// (see ModelFileReader.Sections.cs). Every failure is an <see cref="InvalidDataException"/> saying what is wrong.
/// </summary>
internal static partial class ModelFileReader
{
    private const int ChunkSize = 1 << 20;

    private readonly record struct Header(ushort Flags, int SectionCount, int ContentLength);

    /// <summary>Reads one model file from the stream's position; with <paramref name="requireEnd"/>, nothing may follow it.</summary>
    internal static RecurrentModelFile Read(Stream stream, bool requireEnd)
    {
        try
        {
            Span<byte> headerBytes = stackalloc byte[ModelFileFormat.HeaderSize];
            int read = stream.ReadAtLeast(headerBytes, headerBytes.Length, throwOnEndOfStream: false);
            Header header = ParseHeader(headerBytes[..read]);
            if (stream.CanSeek && header.ContentLength > stream.Length - stream.Position)
            {
                throw Truncated($"the header declares {header.ContentLength} content bytes, but only {stream.Length - stream.Position} follow it");
            }
            byte[] content = ReadContent(stream, header.ContentLength);
            if (requireEnd && HasMoreData(stream))
            {
                throw new InvalidDataException(
                    $"Invalid model file: unexpected data after the {ModelFileFormat.HeaderSize + header.ContentLength} bytes the header declares (corrupt, or two files joined).");
            }
            VerifyHash(headerBytes, content);
            return ReadSections(header, content);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("Invalid model file: the data ends early (truncated).", e);
        }
    }

    /// <summary>Reads one model file that must fill <paramref name="data"/> exactly.</summary>
    internal static RecurrentModelFile Read(ReadOnlySpan<byte> data)
    {
        Header header = ParseHeader(data[..Math.Min(data.Length, ModelFileFormat.HeaderSize)]);
        long available = data.Length - ModelFileFormat.HeaderSize;
        if (header.ContentLength > available)
        {
            throw Truncated($"the header declares {header.ContentLength} content bytes, but only {available} follow it");
        }
        if (header.ContentLength < available)
        {
            throw new InvalidDataException(
                $"Invalid model file: {available - header.ContentLength} unexpected bytes after the {ModelFileFormat.HeaderSize + header.ContentLength} bytes the header declares (corrupt, or two files joined).");
        }
        byte[] content = data.Slice(ModelFileFormat.HeaderSize, header.ContentLength).ToArray();
        VerifyHash(data[..ModelFileFormat.HeaderSize], content);
        return ReadSections(header, content);
    }

    private static Header ParseHeader(ReadOnlySpan<byte> bytes)
    {
        var magic = ModelFileFormat.Magic;
        int compared = Math.Min(bytes.Length, magic.Length);
        if (bytes.Length == 0 || !bytes[..compared].SequenceEqual(magic[..compared]))
        {
            throw new InvalidDataException(bytes.Length == 0
                ? "Not a model file: the data is empty."
                : "Not a model file: the data does not start with the magic bytes \"RNNMODEL\" of a Microsoft.ML.Recurrent model file.");
        }
        if (bytes.Length < ModelFileFormat.HeaderSize)
        {
            throw Truncated($"the data ends after {bytes.Length} bytes, inside the {ModelFileFormat.HeaderSize}-byte header");
        }
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]);
        if (version is < ModelFileFormat.Version1 or > ModelFileFormat.Version)
        {
            throw new InvalidDataException(version > ModelFileFormat.Version
                ? $"The model file has format version {version}; this build reads format versions 1 to {ModelFileFormat.Version}. Load it with a newer Microsoft.ML.Recurrent."
                : $"Invalid model file: format version {version} does not exist (this build reads format versions 1 to {ModelFileFormat.Version}).");
        }
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(bytes[10..]);
        ushort known = version == ModelFileFormat.Version1 ? ModelFileFormat.KnownFlags1 : ModelFileFormat.KnownFlags;
        if ((flags & ~known) != 0)
        {
            throw new InvalidDataException($"Invalid model file: flags 0x{flags:X4} have unknown bits (format version {version} knows 0x{known:X4}); the header is corrupt.");
        }
        if (version == ModelFileFormat.Version && (flags & ModelFileFormat.HasArchitecture) == 0)
        {
            throw new InvalidDataException($"Invalid model file: format version 2 without an ARCH section (flags 0x{flags:X4}); such a file is written as version 1. The header is corrupt.");
        }
        if ((flags & ModelFileFormat.HasCharacters) != 0 && (flags & ModelFileFormat.HasSequencer) == 0)
        {
            throw new InvalidDataException($"Invalid model file: flags 0x{flags:X4} announce a CHAR section without a TEXT section; the header is corrupt.");
        }
        int sections = BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
        int expectedSections = ModelFileFormat.SectionTags(flags).Count;
        if (sections != expectedSections)
        {
            throw new InvalidDataException($"Invalid model file: the header declares {sections} sections, but its flags 0x{flags:X4} call for {expectedSections}; the header is corrupt.");
        }
        long contentLength = BinaryPrimitives.ReadInt64LittleEndian(bytes[16..]);
        long minimum = (long)expectedSections * ModelFileFormat.SectionHeaderSize;
        long maximum = Array.MaxLength - ModelFileFormat.HeaderSize;
        if (contentLength < minimum || contentLength > maximum)
        {
            throw new InvalidDataException($"Invalid model file: the header declares {contentLength} content bytes; allowed {minimum}..{maximum}. The header is corrupt.");
        }
        return new Header(flags, sections, (int)contentLength);
    }

    private static byte[] ReadContent(Stream stream, int length)
    {
        // Grow with the data actually read, so a corrupted length on an unseekable stream cannot allocate ahead of it.
        byte[] content = new byte[stream.CanSeek ? length : Math.Min(length, ChunkSize)];
        int filled = 0;
        while (filled < length)
        {
            if (filled == content.Length)
            {
                Array.Resize(ref content, (int)Math.Min(length, 2L * content.Length));
            }
            int n = stream.Read(content, filled, Math.Min(content.Length - filled, ChunkSize));
            if (n <= 0)
            {
                throw Truncated($"the data ends after {ModelFileFormat.HeaderSize + filled} bytes; the header declares {ModelFileFormat.HeaderSize + length}");
            }
            filled += n;
        }
        return content;
    }

    private static bool HasMoreData(Stream stream)
    {
        if (stream.CanSeek)
        {
            return stream.Position < stream.Length;
        }
        return stream.ReadByte() >= 0;
    }

    private static void VerifyHash(ReadOnlySpan<byte> header, byte[] content)
    {
        Span<byte> computed = stackalloc byte[32];
        ModelFileWriter.ComputeHash(header[..ModelFileFormat.HashedHeaderSize], content, computed);
        if (!CryptographicOperations.FixedTimeEquals(computed, header.Slice(ModelFileFormat.HashedHeaderSize, 32)))
        {
            throw new InvalidDataException("Invalid model file: checksum mismatch (the SHA-256 stored in the header differs from the data's); the file is corrupt.");
        }
    }

    private static InvalidDataException Truncated(string detail) => new($"Invalid model file: {detail} (truncated).");
}
