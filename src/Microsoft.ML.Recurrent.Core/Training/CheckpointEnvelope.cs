using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// The envelope of a trainer checkpoint: 8-byte magic, int32 version, int64 payload length, SHA-256 of the payload,
/// payload. Written whole in memory (so that a refusal writes nothing) and read whole and checked before any of it is used.
/// </summary>
internal static class CheckpointEnvelope
{
    private const int HeaderSize = 52; // magic 8 | version 4 | payload length 8 | SHA-256 32

    /// <summary>The whole file: the header around what <paramref name="writePayload"/> writes.</summary>
    public static MemoryStream Write(ReadOnlySpan<byte> magic, int version, Action<BinaryWriter> writePayload)
    {
        var file = new MemoryStream();
        file.Write(new byte[HeaderSize]);
        using (var w = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true))
        {
            writePayload(w);
        }
        long length = file.Length - HeaderSize;
        byte[] hash = SHA256.HashData(file.GetBuffer().AsSpan(HeaderSize, (int)length));
        file.Position = 0;
        file.Write(magic);
        using (var header = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true))
        {
            header.Write(version);
            header.Write(length);
            header.Write(hash);
        }
        file.Position = file.Length;
        return file;
    }

    /// <summary>The payload, after checking the magic, the version, the length against <paramref name="limit"/> and the checksum.</summary>
    /// <exception cref="InvalidDataException">Any of them is wrong.</exception>
    /// <exception cref="EndOfStreamException">The stream ends early.</exception>
    public static byte[] Read(Stream stream, ReadOnlySpan<byte> magic, int version, long limit, string what)
    {
        Span<byte> start = stackalloc byte[8];
        stream.ReadExactly(start);
        if (!start.SequenceEqual(magic))
        {
            throw new InvalidDataException($"Not a {what} (the file does not start with '{Encoding.ASCII.GetString(magic)}').");
        }
        var header = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        int found = header.ReadInt32();
        if (found != version)
        {
            throw new InvalidDataException($"Checkpoint format version {found} is not supported; this build reads version {version}.");
        }
        long length = header.ReadInt64();
        limit = Math.Min(limit, Array.MaxLength); // a payload is read into one array
        if (length < 0 || length > limit)
        {
            throw new InvalidDataException($"The checkpoint claims a payload of {length} bytes; a checkpoint of this model and these options holds at most {limit}.");
        }
        byte[] hash = BoundedRead.Values<byte>(stream, 32);
        byte[] payload = BoundedRead.Values<byte>(stream, (int)length);
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(hash))
        {
            throw new InvalidDataException("The checkpoint is corrupt: its SHA-256 checksum does not match its content.");
        }
        return payload;
    }

    // The public SaveCheckpoint/LoadCheckpoint of every trainer, written once: the file is built whole before a byte is
    // written, a path is written atomically, and a short or malformed stream is an InvalidDataException.

    /// <summary>Writes the file <paramref name="serialize"/> builds to <paramref name="stream"/>.</summary>
    public static void Save(Stream stream, Func<MemoryStream> serialize)
    {
        using var content = serialize();
        stream.Write(content.GetBuffer(), 0, (int)content.Length);
    }

    /// <summary>Writes the file <paramref name="serialize"/> builds to <paramref name="path"/> atomically; nothing is touched when it throws.</summary>
    public static void Save(string path, Func<MemoryStream> serialize)
    {
        using var content = serialize();
        AtomicFile.Write(path, file => file.Write(content.GetBuffer(), 0, (int)content.Length));
    }

    /// <summary>What <paramref name="decode"/> reads from <paramref name="stream"/>, with a truncated or malformed stream as an <see cref="InvalidDataException"/>.</summary>
    public static T Load<T>(Stream stream, Func<Stream, T> decode)
    {
        try
        {
            return decode(stream);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The checkpoint is truncated.", e);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"The checkpoint is corrupt: {e.Message}", e);
        }
    }
}
