using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.Tests.Serialization;

/// <summary>Bundles of every task kind, predictions, and byte-level helpers for model-file tests.</summary>
internal static class ModelFileTestData
{
    internal const int HeaderSize = 56;
    internal const int OptionsBody = HeaderSize + 8;       // first byte of the OPTS body
    internal const int ParametersSection = OptionsBody + 46; // the PARM tag

    private static readonly string[] _reviews = ["a great film, truly great", "a dull and boring film", "not bad at all", "great acting, dull plot"];

    internal static RecurrentModelFile Classification()
    {
        var sequencer = TextSequencer.Build(_reviews, new WordTokenizer());
        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.Classification,
            VocabularySize = sequencer.Vocabulary.Count,
            EmbeddingSize = 6,
            HiddenSize = 5,
            Cell = RecurrentCellKind.Lstm,
            OutputSize = 3,
            ForgetGateBias = 1f,
            Pooling = SequencePooling.Mean,
            Dropout = 0.25f,
        }, seed: 11);
        return new RecurrentModelFile(model, sequencer, ["negative", "neutral", "positive"], metadata: [new("dataset", "reviews")]);
    }

    internal static RecurrentModelFile LanguageModel()
    {
        var sequencer = TextSequencer.Build(["to be or not to be", "that is the question"], new CharacterTokenizer());
        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.LanguageModel,
            VocabularySize = sequencer.Vocabulary.Count,
            EmbeddingSize = 4,
            HiddenSize = 6,
            NumLayers = 2,
            Cell = RecurrentCellKind.Gru,
            Bidirectional = false,
        }, seed: 12);
        return new RecurrentModelFile(model, sequencer);
    }

    internal static RecurrentModelFile Tagging()
    {
        var sequencer = TextSequencer.Build(["John lives in Paris", "Mary visits New York"], new WordTokenizer(new WordTokenizerOptions { LowerCase = false }));
        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.Tagging,
            VocabularySize = sequencer.Vocabulary.Count,
            EmbeddingSize = 5,
            HiddenSize = 4,
            NumLayers = 2,
            Cell = RecurrentCellKind.RnnRelu,
            OutputSize = 3,
        }, seed: 13);
        return new RecurrentModelFile(model, sequencer, ["O", "B-PER", "B-LOC"]);
    }

    /// <summary>A character-aware tagger: a format version 2 file with ARCH and CHAR sections.</summary>
    internal static RecurrentModelFile CharacterTagging()
    {
        string[] sentences = ["John lives in Paris", "Mary visits New York", "Zoë écrit à Zürich 🙂"];
        var tokenizer = new WordTokenizer(new WordTokenizerOptions { LowerCase = false });
        var words = sentences.SelectMany(tokenizer.Tokenize).ToArray();
        var sequencer = new TextSequencer(tokenizer, Vocabulary.Build([words]), CharacterVocabulary.Build(words, maxWordLength: 6));
        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.Tagging,
            VocabularySize = sequencer.Vocabulary.Count,
            EmbeddingSize = 5,
            HiddenSize = 4,
            OutputSize = 3,
            CharacterVocabularySize = sequencer.Characters!.Count,
            CharacterEmbeddingSize = 4,
            CharacterFilters = 3,
            CharacterMaxWidth = 2,
        }, seed: 15);
        return new RecurrentModelFile(model, sequencer, ["O", "B-PER", "B-LOC"]);
    }

    /// <summary>A wide-and-deep classifier (a linear part over hashed n-grams): a format version 2 file with ARCH keys ngrams.*.</summary>
    internal static RecurrentModelFile NgramClassification()
    {
        var sequencer = TextSequencer.Build(_reviews, new WordTokenizer());
        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.Classification,
            VocabularySize = sequencer.Vocabulary.Count,
            EmbeddingSize = 4,
            HiddenSize = 3,
            Bidirectional = true,
            Pooling = SequencePooling.Max,
            NgramBuckets = 32,
            NgramMaxLength = 3,
        }, seed: 16);
        var wide = model.Parameters.GetValues("ngram.weight");
        var random = new Random(16);
        for (int i = 0; i < wide.Length; i++)
        {
            wide[i] = (float)(random.NextDouble() * 2 - 1);
        }
        return new RecurrentModelFile(model, sequencer, ["negative", "positive"]);
    }

    /// <summary>An n-gram ensemble (NgramEnsemble): the n-gram part with its own bias, both given values of their own.</summary>
    internal static RecurrentModelFile NgramEnsemble()
    {
        var sequencer = TextSequencer.Build(_reviews, new WordTokenizer());
        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.Classification,
            VocabularySize = sequencer.Vocabulary.Count,
            EmbeddingSize = 4,
            HiddenSize = 3,
            Pooling = SequencePooling.Mean,
            NgramBuckets = 64,
            NgramEnsemble = true,
        }, seed: 18);
        var random = new Random(18);
        foreach (string name in new[] { "ngram.weight", "ngram.bias" })
        {
            var values = model.Parameters.GetValues(name);
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)(random.NextDouble() * 2 - 1);
            }
        }
        return new RecurrentModelFile(model, sequencer, ["negative", "positive"]);
    }

    /// <summary>A one-step forecaster that predicts the change from the last value (PredictChange: an ARCH key).</summary>
    internal static RecurrentModelFile PredictChangeRegression() => new(new SequenceModel(new SequenceModelOptions
    {
        Task = SequenceTask.Regression,
        InputFeatures = 2,
        HiddenSize = 5,
        Cell = RecurrentCellKind.Gru,
        OutputSize = 1,
        PredictChange = true,
    }, seed: 20), labelNames: ["next"]);

    internal static RecurrentModelFile Regression()
    {
        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.Regression,
            InputFeatures = 3,
            HiddenSize = 7,
            Cell = RecurrentCellKind.RnnTanh,
            OutputSize = 2,
            Pooling = SequencePooling.Max,
            Bidirectional = true,
        }, seed: 14);
        return new RecurrentModelFile(model, labelNames: ["next", "after-next"],
            numericMetadata: [new("feature.mean", 12.5), new("feature.std", 0.375), new("target.scale", -1e-300)],
            metadata: [new("unit", "°C"), new("source", "sensor 🙂"), new("empty", "")]);
    }

    internal static IEnumerable<object[]> AllKinds =>
    [
        ["classification", Classification()],
        ["language model", LanguageModel()],
        ["tagging", Tagging()],
        ["regression", Regression()],
        ["character tagging", CharacterTagging()],
        ["n-gram classification", NgramClassification()],
        ["n-gram ensemble", NgramEnsemble()],
        ["predict-change regression", PredictChangeRegression()],
    ];

    /// <summary>A fixed batch of inputs that fits the bundle's model (ragged lengths, every token id used).</summary>
    internal static SequenceExample[] Inputs(SequenceModel model)
    {
        var o = model.Options;
        var random = new Random(5);
        var examples = new SequenceExample[3];
        for (int i = 0; i < examples.Length; i++)
        {
            int length = 2 + 3 * i;
            examples[i] = o.UsesTokens
                ? new SequenceExample
                {
                    Tokens = [.. Enumerable.Range(0, length).Select(t => (t * 7 + i) % o.VocabularySize)],
                    Characters = o.UsesCharacters
                        ? [.. Enumerable.Range(0, length).Select(t => Enumerable.Range(0, 1 + t % 4).Select(c => (t * 5 + c * 3 + i) % o.CharacterVocabularySize).ToArray())]
                        : null,
                }
                : new SequenceExample { Features = [.. Enumerable.Range(0, length * o.InputFeatures).Select(_ => (float)(random.NextDouble() * 4 - 2))] };
        }
        return examples;
    }

    /// <summary>The model's head outputs (rows × outputs) for the inputs: logits, or regression values.</summary>
    internal static float[] Predict(SequenceModel model, SequenceExample[] examples)
    {
        var ws = model.CreateWorkspace();
        model.Forward(ws, examples, false, null, default, default);
        return ws.Logits.AsSpan(0, ws.HeadRows * model.Options.HeadOutputs).ToArray();
    }

    /// <summary>Recomputes the header's SHA-256, so a deliberate edit reaches the structural checks.</summary>
    internal static byte[] Rehash(byte[] file)
    {
        byte[] copy = (byte[])file.Clone();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(copy, 0, 24);
        hash.AppendData(copy, HeaderSize, copy.Length - HeaderSize);
        hash.GetHashAndReset(copy.AsSpan(24, 32));
        return copy;
    }

    internal static byte[] WithInt32(byte[] file, int offset, int value, bool rehash = true)
    {
        byte[] copy = (byte[])file.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(copy.AsSpan(offset), value);
        return rehash ? Rehash(copy) : copy;
    }

    /// <summary>Offsets of every section header (tag) in a well-formed file.</summary>
    internal static List<int> SectionOffsets(byte[] file)
    {
        var offsets = new List<int>();
        for (int at = HeaderSize; at < file.Length; at += 8 + BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(at + 4)))
        {
            offsets.Add(at);
        }
        return offsets;
    }

    internal static int SectionOffset(byte[] file, string tag) =>
        SectionOffsets(file).Single(at => System.Text.Encoding.ASCII.GetString(file, at, 4) == tag);

    internal static void AssertInvalid(byte[] file, params string[] expectedInMessage)
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => RecurrentModelFile.FromBytes(file));
        foreach (string expected in expectedInMessage)
        {
            Assert.IsTrue(e.Message.Contains(expected, StringComparison.OrdinalIgnoreCase), $"message \"{e.Message}\" should mention \"{expected}\"");
        }
    }
}

/// <summary>A stream that passes writes through until a byte budget is spent, then throws.</summary>
internal sealed class FailingStream(Stream inner, long failAfter) : Stream
{
    private long _written;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        int allowed = (int)Math.Min(count, failAfter - _written);
        inner.Write(buffer, offset, allowed);
        _written += allowed;
        if (allowed < count)
        {
            throw new IOException($"Simulated failure after {_written} bytes.");
        }
    }
}

/// <summary>A read-only stream that hides its length and cannot seek, like a network stream.</summary>
internal sealed class ForwardOnlyStream(byte[] data) : Stream
{
    private readonly MemoryStream _inner = new(data, writable: false);

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7919));
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
