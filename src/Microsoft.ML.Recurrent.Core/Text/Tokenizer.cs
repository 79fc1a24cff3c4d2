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
        var payload = new PayloadReader(reader, "tokenizer", Magic, Version);
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
        payload.VerifyChecksum();
        return tokenizer;
    }

    internal static PayloadWriter BeginRecord(TokenizerKind kind)
    {
        var payload = new PayloadWriter(Magic, Version);
        payload.WriteByte((byte)kind);
        return payload;
    }
}
