using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Text;

/// <summary>The vocabulary's binary record, for the model file.</summary>
public sealed partial class Vocabulary
{
    internal const uint Magic = 0x434F5652; // "RVOC" as little-endian bytes
    internal const byte Version = 1;
    internal const int MaxUtf8BytesPerChar = 3; // one UTF-16 code unit never needs more than 3 UTF-8 bytes

    /// <summary>
    /// Writes the vocabulary as one checksummed record: <c>"RVOC" | version 1 | special-token flags (byte) |
    /// token count (7-bit varint) | per token: UTF-8 byte length (7-bit varint) and bytes | CRC-32 (uint32)</c>.
    /// Special tokens are written too, so the record is the id-to-token table as it is.
    /// </summary>
    /// <param name="writer">The destination; not null.</param>
    public void WriteTo(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        using var record = new BinaryFieldWriter();
        record.BeginRecord(Magic, Version);
        record.WriteByte((byte)SpecialTokens);
        record.WriteVarCount(_tokens.Length);
        foreach (string token in _tokens)
        {
            record.WriteVarString(token);
        }
        record.EndRecord();
        record.CopyTo(writer);
    }

    /// <summary>
    /// Reads a vocabulary written by <see cref="WriteTo"/>, validating everything before it is used: magic,
    /// version, special-token flags, counts and lengths against the limits (before allocating), well-formed
    /// UTF-8, no empty or duplicate token, special tokens in their places, and the checksum. Memory use is
    /// bounded by the limits and by the bytes actually present. The reader is left just after the record.
    /// </summary>
    /// <param name="reader">The source; not null.</param>
    /// <param name="maxTokens">The largest token count accepted (special tokens included). Allowed: 0 or more.</param>
    /// <param name="maxTotalChars">The largest total length of all tokens, in UTF-16 chars. Allowed: 0 or more.</param>
    /// <returns>The vocabulary.</returns>
    /// <exception cref="InvalidDataException">
    /// The record is truncated, corrupted, above a limit or inconsistent; the message says what is wrong.
    /// </exception>
    public static Vocabulary ReadFrom(BinaryReader reader, int maxTokens, int maxTotalChars)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentOutOfRangeException.ThrowIfNegative(maxTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(maxTotalChars);
        var payload = new BinaryFieldReader(reader.BaseStream, "vocabulary", "the stream");
        payload.ReadRecordHead(Magic, Version);

        byte flags = payload.ReadByte();
        if ((flags & ~(int)SpecialTokens.All) != 0)
        {
            throw payload.Invalid($"special-token flags 0x{flags:X2} have unknown bits (allowed 0x00..0x0F)");
        }
        var specials = (SpecialTokens)flags;
        string[] specialTexts = SpecialTexts(specials);
        int count = payload.ReadVarCount("the token count", maxTokens);
        if (count < specialTexts.Length)
        {
            throw payload.Invalid($"the token count {count} is smaller than the {specialTexts.Length} special tokens ({specials})");
        }

        // Capacity is capped so that a large (but allowed) count cannot allocate ahead of the data.
        var tokens = new List<string>(Math.Min(count, 4096));
        var ids = new Dictionary<string, int>(Math.Min(count, 4096), StringComparer.Ordinal);
        long charsLeft = maxTotalChars;
        for (int i = 0; i < count; i++)
        {
            string what = $"token {i}";
            int byteLength = payload.ReadVarCount($"the length of {what}", int.MaxValue);
            if (byteLength == 0)
            {
                throw payload.Invalid($"{what} is empty");
            }
            if (byteLength > charsLeft * MaxUtf8BytesPerChar)
            {
                throw payload.Invalid($"{what} has {byteLength} UTF-8 bytes, more than the {charsLeft} chars left " +
                    $"within the limit of {maxTotalChars} chars can need");
            }
            string token = payload.ReadStrictUtf8(byteLength, what);
            charsLeft -= token.Length;
            if (charsLeft < 0)
            {
                throw payload.Invalid($"the tokens' total length exceeds the limit of {maxTotalChars} chars at {what}");
            }
            if (i < specialTexts.Length && !string.Equals(token, specialTexts[i], StringComparison.Ordinal))
            {
                throw payload.Invalid($"{what} is \"{token}\" where the special token \"{specialTexts[i]}\" belongs ({specials})");
            }
            if (!ids.TryAdd(token, i))
            {
                throw payload.Invalid($"{what} \"{token}\" duplicates token {ids[token]}");
            }
            tokens.Add(token);
        }
        payload.VerifyRecordChecksum();
        return new Vocabulary([.. tokens], ids, specials);
    }
}
