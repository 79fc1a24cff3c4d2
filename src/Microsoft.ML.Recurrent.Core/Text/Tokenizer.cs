using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Text;

/// <summary>Recreates a saved <see cref="ITokenizer"/> from its binary record.</summary>
public static class Tokenizer
{
    internal const uint Magic = 0x4B4F5452; // "RTOK" as little-endian bytes
    internal const byte Version = 1;

    /// <summary>
    /// Reads a tokenizer written by <see cref="ITokenizer.WriteTo"/>: kind, options and checksum. The reader is
    /// left just after the record.
    /// </summary>
    /// <param name="reader">The source; not null.</param>
    /// <returns>A tokenizer equal in behaviour to the one that was written.</returns>
    /// <exception cref="InvalidDataException">The record is truncated, corrupted or of an unknown kind or version.</exception>
    public static ITokenizer ReadFrom(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var payload = new BinaryFieldReader(reader.BaseStream, "tokenizer", "the stream");
        payload.ReadRecordHead(Magic, Version);
        byte kind = payload.ReadByte();
        ITokenizer tokenizer;
        switch ((TokenizerKind)kind)
        {
            case TokenizerKind.Character:
                byte unit = payload.ReadByte();
                if (unit > (byte)CharacterUnit.CodePoint)
                {
                    throw payload.Invalid($"character unit {unit} is unknown (allowed 0..1)");
                }
                tokenizer = new CharacterTokenizer((CharacterUnit)unit);
                break;
            case TokenizerKind.Word:
                byte lowerCase = payload.ReadByte();
                if (lowerCase > 1)
                {
                    throw payload.Invalid($"lower-case flag {lowerCase} is not 0 or 1");
                }
                byte punctuation = payload.ReadByte();
                if (punctuation > (byte)PunctuationHandling.Attach)
                {
                    throw payload.Invalid($"punctuation handling {punctuation} is unknown (allowed 0..2)");
                }
                tokenizer = new WordTokenizer(new WordTokenizerOptions
                {
                    LowerCase = lowerCase == 1,
                    Punctuation = (PunctuationHandling)punctuation,
                });
                break;
            default:
                throw payload.Invalid($"tokenizer kind {kind} is unknown (allowed 1 Character, 2 Word)");
        }
        payload.VerifyRecordChecksum();
        return tokenizer;
    }

    /// <summary>Writes a tokenizer's record: <c>"RTOK" | version 1 | kind (byte) | settings (bytes) | CRC-32</c>.</summary>
    internal static void WriteRecord(BinaryWriter writer, TokenizerKind kind, ReadOnlySpan<byte> settings)
    {
        using var record = new BinaryFieldWriter();
        record.BeginRecord(Magic, Version);
        record.WriteByte((byte)kind);
        record.WriteBytes(settings);
        record.EndRecord();
        record.CopyTo(writer);
    }
}
