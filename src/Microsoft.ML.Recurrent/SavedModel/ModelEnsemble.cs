using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;

namespace Microsoft.ML.Recurrent.SavedModel;

/// <summary>
/// The model text of a saved chain, for one model or an ensemble of text classifiers
/// (<see cref="RecurrentTextClassificationOptionsBase.EnsembleSize"/>). One model is its model file as base64, exactly as
/// before ensembles existed. An ensemble is the base64 of a container: the 8 bytes <c>RNNENSv1</c>, the member count
/// (Int32, little-endian, <see cref="MinMembers"/> to <see cref="MaxMembers"/>), then per member two Int32 lengths, of
/// its stored bytes (at least 1) and of its model file (equal: stored as is; larger: Brotli-compressed, at most
/// <see cref="MaxExpansion"/> times the stored bytes), then the members' stored bytes in order, each decompressed into
/// exactly its stated length (in chunks: memory follows what the stream really holds) and read and validated as a model
/// file of its own. The members must be classifiers of one task, with the same classes, outputs, maximum sequence length
/// and tokenizer. Compression matters because ML.NET's loader holds the model text in several copies at two bytes per
/// character; members compress about threefold (empty n-gram buckets, mostly).
/// </summary>
internal static class ModelEnsemble
{
    /// <summary>The fewest members of an ensemble container (one model is saved as a plain model file).</summary>
    public const int MinMembers = 2;

    /// <summary>The most members of an ensemble (the options' limit, and the reader's).</summary>
    public const int MaxMembers = 16;

    /// <summary>The most a member's model file may be larger than its compressed bytes: bounds what a file can make the reader allocate.</summary>
    public const int MaxExpansion = 64;

    private static ReadOnlySpan<byte> Magic => "RNNENSv1"u8;

    /// <summary>The model text of the members (one member: its plain model file).</summary>
    /// <exception cref="ArgumentException">There are no members, or more than <see cref="MaxMembers"/>.</exception>
    public static string Encode(IReadOnlyList<RecurrentModelFile> members)
    {
        if (members.Count is < 1 or > MaxMembers)
        {
            throw new ArgumentException($"An ensemble has {members.Count} members; it takes 1 to {MaxMembers}.", nameof(members));
        }
        if (members.Count == 1)
        {
            return members[0].ToBase64();
        }
        var files = members.Select(m => m.ToBytes()).ToArray();
        var stored = files.Select(Compress).ToArray();
        using var stream = new MemoryStream();
        stream.Write(Magic);
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(number, files.Length);
        stream.Write(number);
        for (int i = 0; i < files.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(number, stored[i].Length);
            stream.Write(number);
            BinaryPrimitives.WriteInt32LittleEndian(number, files[i].Length);
            stream.Write(number);
        }
        foreach (var bytes in stored)
        {
            stream.Write(bytes);
        }
        return Convert.ToBase64String(stream.GetBuffer(), 0, (int)stream.Length);
    }

    /// <summary>The members of a model text: one for a plain model file.</summary>
    /// <exception cref="InvalidDataException">
    /// The text is not base64, the container or a member is invalid, or the members do not fit together; the message says which.
    /// </exception>
    public static RecurrentModelFile[] Decode(string base64)
    {
        byte[] data;
        try
        {
            data = Convert.FromBase64String(base64);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException("The recurrent model column does not hold base64 text.", e);
        }
        if (!data.AsSpan().StartsWith(Magic))
        {
            return [RecurrentModelFile.FromBytes(data)];
        }
        var rest = data.AsSpan(Magic.Length);
        if (rest.Length < 4)
        {
            throw Invalid("it ends before its member count");
        }
        int count = BinaryPrimitives.ReadInt32LittleEndian(rest);
        if (count is < MinMembers or > MaxMembers)
        {
            throw Invalid(Invariant($"it has {count} members; an ensemble has {MinMembers} to {MaxMembers}"));
        }
        rest = rest[4..];
        if (rest.Length < 8L * count)
        {
            throw Invalid("it ends before its member lengths");
        }
        var lengths = new (int Stored, int File)[count];
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            int storedLength = BinaryPrimitives.ReadInt32LittleEndian(rest[(8 * i)..]);
            int fileLength = BinaryPrimitives.ReadInt32LittleEndian(rest[(8 * i + 4)..]);
            if (storedLength < 1)
            {
                throw Invalid(Invariant($"member {i} has length {storedLength}; a member's length is at least 1 byte"));
            }
            if (fileLength < storedLength || fileLength > (long)storedLength * MaxExpansion)
            {
                throw Invalid(Invariant($"member {i} states a model file of {fileLength} bytes from {storedLength} stored ones; it must be from 1 to {MaxExpansion} times as many"));
            }
            lengths[i] = (storedLength, fileLength);
            total += storedLength;
        }
        rest = rest[(8 * count)..];
        if (total != rest.Length)
        {
            throw Invalid(Invariant($"its members' lengths add up to {total} bytes, but {rest.Length} follow them"));
        }
        var members = new RecurrentModelFile[count];
        for (int i = 0; i < count; i++)
        {
            var (storedLength, fileLength) = lengths[i];
            members[i] = ReadMember(i, rest[..storedLength], fileLength);
            rest = rest[storedLength..];
        }
        CheckMembers(members);
        return members;
    }

    // Brotli (quality 5: most of the gain in a fraction of the best quality's time); a file it would not shrink, or would
    // shrink beyond what the reader accepts, is stored as is.
    private static byte[] Compress(byte[] file)
    {
        var buffer = new byte[BrotliEncoder.GetMaxCompressedLength(file.Length)];
        if (BrotliEncoder.TryCompress(file, buffer, out int written, quality: 5, window: 22)
            && written < file.Length && (long)written * MaxExpansion >= file.Length)
        {
            return buffer[..written];
        }
        return file;
    }

    // In chunks, so memory follows what the stream really holds rather than the length it states: it must decompress to
    // exactly fileLength bytes and end exactly at the end of its stored bytes.
    private static byte[] Decompress(ReadOnlySpan<byte> stored, int fileLength)
    {
        using var decoder = new BrotliDecoder();
        using var output = new MemoryStream(Math.Min(fileLength, 1 << 20));
        Span<byte> chunk = stackalloc byte[16 << 10];
        while (true)
        {
            var status = decoder.Decompress(stored, chunk, out int consumed, out int written);
            stored = stored[consumed..];
            if (output.Length + written > fileLength)
            {
                break; // more than stated
            }
            output.Write(chunk[..written]);
            if (status == System.Buffers.OperationStatus.Done)
            {
                if (stored.IsEmpty && output.Length == fileLength)
                {
                    return output.ToArray();
                }
                break; // less than stated, or bytes after the stream's end
            }
            if (status != System.Buffers.OperationStatus.DestinationTooSmall || (consumed == 0 && written == 0))
            {
                break; // corrupt, or cut short
            }
        }
        throw new InvalidDataException(Invariant($"its compressed bytes do not decompress to exactly the {fileLength} bytes stated, ending where they end"));
    }

    private static RecurrentModelFile ReadMember(int index, ReadOnlySpan<byte> stored, int fileLength)
    {
        try
        {
            if (fileLength == stored.Length)
            {
                return RecurrentModelFile.FromBytes(stored);
            }
            return RecurrentModelFile.FromBytes(Decompress(stored, fileLength));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException(Invariant($"Member {index} of the recurrent model ensemble is not a valid model file: {e.Message}"), e);
        }
    }

    // Members are averaged class by class: every one must be a classifier of the same task, classes and input cut.
    private static void CheckMembers(RecurrentModelFile[] members)
    {
        var first = members[0];
        for (int i = 0; i < members.Length; i++)
        {
            var m = members[i];
            if (m.Model.Options.Task != SequenceTask.Classification)
            {
                throw Invalid(Invariant($"member {i} is a {m.Model.Options.Task} model; an ensemble holds classifiers only"));
            }
            if (m.Model.Options.HeadOutputs != first.Model.Options.HeadOutputs)
            {
                throw Invalid(Invariant($"member {i} has {m.Model.Options.HeadOutputs} outputs and member 0 has {first.Model.Options.HeadOutputs}; members must have the same"));
            }
            if (!SameNames(m.LabelNames, first.LabelNames))
            {
                throw Invalid(Invariant($"member {i}'s class names differ from member 0's; members must have the same classes in the same order"));
            }
            if (m.Metadata.GetValueOrDefault(BundleKeys.Task) != first.Metadata.GetValueOrDefault(BundleKeys.Task))
            {
                throw Invalid(Invariant($"member {i} was saved for another task than member 0"));
            }
            if (m.NumericMetadata.GetValueOrDefault(BundleKeys.MaxSequenceLength) != first.NumericMetadata.GetValueOrDefault(BundleKeys.MaxSequenceLength))
            {
                throw Invalid(Invariant($"member {i}'s maximum sequence length differs from member 0's; members must read the same tokens"));
            }
            if (!TokenizerBytes(m).AsSpan().SequenceEqual(TokenizerBytes(first)))
            {
                throw Invalid(Invariant($"member {i}'s tokenizer differs from member 0's; members must split a text into the same tokens (attributions are per token)"));
            }
        }
    }

    // The tokenizer's saved form (kind and options); none for a model without a vocabulary.
    private static byte[] TokenizerBytes(RecurrentModelFile member)
    {
        if (member.Sequencer is null)
        {
            return [];
        }
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            member.Sequencer.Tokenizer.WriteTo(writer);
        }
        return stream.ToArray();
    }

    private static bool SameNames(IReadOnlyList<string>? a, IReadOnlyList<string>? b) =>
        a is null ? b is null : b is not null && a.SequenceEqual(b, StringComparer.Ordinal);

    private static InvalidDataException Invalid(string why) =>
        new($"The recurrent model column holds an invalid model ensemble: {why}. The model file is corrupt or was tampered with.");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
