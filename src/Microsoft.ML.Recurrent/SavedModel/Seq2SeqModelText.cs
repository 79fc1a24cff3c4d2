using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Seq2Seq;
using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.SavedModel;

/// <summary>
/// What the sequence-to-sequence chain carries as its model text (base64): a settings record, then the core's
/// sequence-to-sequence model file.
/// <code>
/// record "RS2B" v1: source tokens (byte: 1 character, 2 word) | target tokens (byte) | beam width (int32, 1..64) |
///                   maximum output length (int32, 0..10000) | maximum source length (int32, 1..100000) | CRC-32
/// then the model (<see cref="Seq2SeqModel.Save(Stream)"/>)
/// </code>
/// Decoded once per backing string (ML.NET hands every row the same one) and validated then; thread-safe.
/// </summary>
internal sealed class Seq2SeqModelText
{
    private const uint Magic = 0x42325352; // "RS2B"
    private const byte Version = 1;
    private static readonly ConditionalWeakTable<string, Lazy<Seq2SeqModelText>> Cache = [];

    public Seq2SeqModelText(Seq2SeqModel model, TokenizerKind sourceTokens, TokenizerKind targetTokens, int beamWidth, int maxOutputLength, int maxSourceLength)
    {
        Model = model;
        SourceTokens = sourceTokens;
        TargetTokens = targetTokens;
        BeamWidth = beamWidth;
        MaxOutputLength = maxOutputLength;
        MaxSourceLength = maxSourceLength;
    }

    public Seq2SeqModel Model { get; }

    public TokenizerKind SourceTokens { get; }

    public TokenizerKind TargetTokens { get; }

    public int BeamWidth { get; }

    public int MaxOutputLength { get; }

    public int MaxSourceLength { get; }

    public static ITokenizer Tokenizer(TokenizerKind kind) => kind == TokenizerKind.Word ? new WordTokenizer() : new CharacterTokenizer();

    /// <summary>The output text and the attention weights, (output tokens + 1) x (source tokens) row-major.</summary>
    public (string Text, float[] Attention) Predict(string? text)
    {
        var vocabulary = Model.SourceVocabulary!;
        int[] source = vocabulary.Encode(Tokenizer(SourceTokens).Tokenize(text ?? "").Take(MaxSourceLength));
        if (source.Length == 0)
        {
            return ("", []);
        }
        var prediction = Model.Decode(source, null, new Seq2SeqDecodeOptions { BeamWidth = BeamWidth, MaxLength = MaxOutputLength });
        string output = Tokenizer(TargetTokens).Detokenize(Model.TargetVocabulary.Decode(prediction.Tokens, skipSpecial: true));
        return (output, [.. prediction.Attention.SelectMany(row => row)]);
    }

    public string ToBase64()
    {
        using var stream = new MemoryStream();
        using (var record = new BinaryFieldWriter())
        {
            record.BeginRecord(Magic, Version);
            record.WriteByte((byte)SourceTokens);
            record.WriteByte((byte)TargetTokens);
            record.WriteInt32(BeamWidth);
            record.WriteInt32(MaxOutputLength);
            record.WriteInt32(MaxSourceLength);
            record.EndRecord();
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            record.CopyTo(writer);
        }
        Model.Save(stream);
        return Convert.ToBase64String(stream.GetBuffer(), 0, (int)stream.Length);
    }

    /// <exception cref="InvalidDataException">The text is not base64 or not a valid settings record and model.</exception>
    public static Seq2SeqModelText FromBase64(string text)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException("The recurrent model column does not hold base64 text.", e);
        }
        using var stream = new MemoryStream(bytes, writable: false);
        var record = new BinaryFieldReader(stream, "sequence-to-sequence settings", "the settings record", stream.Length);
        record.ReadRecordHead(Magic, Version);
        TokenizerKind Kind(string what)
        {
            byte value = record.ReadByte();
            return value is 1 or 2 ? (TokenizerKind)value : throw record.Invalid($"{what} is {value}; allowed 1 (character) or 2 (word)");
        }
        int Number(string what, int min, int max)
        {
            int value = record.ReadInt32(what);
            return value >= min && value <= max ? value : throw record.Invalid($"{what} is {value}; allowed {min}..{max}");
        }
        var sourceTokens = Kind("the source tokens");
        var targetTokens = Kind("the target tokens");
        int beam = Number("the beam width", 1, 64);
        int maxOutput = Number("the maximum output length", 0, 10000);
        int maxSource = Number("the maximum source length", 1, 100_000);
        record.VerifyRecordChecksum();
        var model = Seq2SeqModel.Load(stream);
        if (model.SourceVocabulary is null)
        {
            throw new InvalidDataException("The recurrent model column holds a sequence-to-sequence model without a source vocabulary; the transform reads text.");
        }
        if (stream.Position != stream.Length)
        {
            throw new InvalidDataException($"The recurrent model column has {stream.Length - stream.Position} unexpected bytes after the sequence-to-sequence model.");
        }
        return new Seq2SeqModelText(model, sourceTokens, targetTokens, beam, maxOutput, maxSource);
    }

    /// <summary>The decoded model of a model column, once per backing string.</summary>
    public static Seq2SeqModelText Get(ReadOnlyMemory<char> modelText)
    {
        if (MemoryMarshal.TryGetString(modelText, out string? text, out int start, out int length) && start == 0 && length == text.Length)
        {
            return Cache.GetValue(text, static t => new Lazy<Seq2SeqModelText>(() => FromBase64(t), LazyThreadSafetyMode.ExecutionAndPublication)).Value;
        }
        return FromBase64(modelText.ToString());
    }
}
