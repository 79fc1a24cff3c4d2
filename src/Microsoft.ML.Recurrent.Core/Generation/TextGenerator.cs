using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Text;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Generation;

/// <summary>
/// Continues text with a character- or word-level language model: the prompt is encoded with a
/// <see cref="TextSequencer"/>, fed through a <see cref="StreamingSession"/>, and tokens are drawn one at a time
/// with a <see cref="TokenSampler"/>. Immutable and thread-safe: every call uses its own session and sampler.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Prompt tokens missing from the vocabulary become UNK; when the vocabulary has no UNK they are left out. A prompt never throws for its content.</item>
/// <item>A prompt with no tokens starts from BOS when the vocabulary has one; otherwise it is an <see cref="ArgumentException"/>
/// (the model has no distribution for the first token of an empty context). A non-empty prompt is fed as is, without BOS.</item>
/// <item>Generation ends after <see cref="GenerationOptions.MaxLength"/> tokens, when EOS is drawn (EOS is not part of the text),
/// or at a stop sequence (see <see cref="GenerationOptions.StopSequences"/>).</item>
/// <item>Generated special tokens (PAD, UNK, BOS) decode to nothing.</item>
/// </list>
/// </remarks>
public sealed class TextGenerator
{
    // Prompt tokens kept as left context when decoding, so a word tokenizer puts its space before the first new word.
    private const int DecodeContext = 8;

    /// <summary>Pairs a language model with the sequencer it was trained with.</summary>
    /// <param name="predictor">A language model's predictor; not null.</param>
    /// <param name="sequencer">The tokenizer and vocabulary; its size must equal the model's vocabulary size.</param>
    /// <exception cref="ArgumentException">The model is not a language model, or the vocabulary sizes differ.</exception>
    public TextGenerator(StreamingPredictor predictor, TextSequencer sequencer)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        ArgumentNullException.ThrowIfNull(sequencer);
        if (predictor.Options.Task != SequenceTask.LanguageModel)
        {
            throw new ArgumentException($"Text generation needs a language model; this model's task is {predictor.Options.Task}.", nameof(predictor));
        }
        if (sequencer.Vocabulary.Count != predictor.Options.VocabularySize)
        {
            throw new ArgumentException($"The vocabulary has {sequencer.Vocabulary.Count} tokens but the model has VocabularySize {predictor.Options.VocabularySize}; use the sequencer the model was trained with.", nameof(sequencer));
        }
        Predictor = predictor;
        Sequencer = sequencer;
    }

    /// <summary>The language model.</summary>
    public StreamingPredictor Predictor { get; }

    /// <summary>The tokenizer and vocabulary.</summary>
    public TextSequencer Sequencer { get; }

    /// <summary>Continues <paramref name="prompt"/> and returns the text, all at once.</summary>
    /// <param name="prompt">The text to continue; not null. May be empty when the vocabulary has BOS.</param>
    /// <param name="options">How to generate; null for the defaults.</param>
    /// <returns>The generated text (after the prompt when <see cref="GenerationOptions.IncludePrompt"/>): the concatenation of <see cref="GenerateTokens"/>.</returns>
    public string Generate(string prompt, GenerationOptions? options = null) => string.Concat(GenerateTokens(prompt, options));

    /// <summary>
    /// Continues <paramref name="prompt"/>, yielding the text as it is produced (about one piece per token, e.g. for an
    /// interactive console). The arguments are checked at the call, before enumeration starts.
    /// </summary>
    /// <param name="prompt">The text to continue; not null. May be empty when the vocabulary has BOS.</param>
    /// <param name="options">How to generate; null for the defaults.</param>
    /// <returns>Non-empty pieces whose concatenation is the generated text (the prompt first when asked for).</returns>
    /// <exception cref="ArgumentException">The prompt has no tokens and the vocabulary has no BOS, or an option is invalid.</exception>
    public IEnumerable<string> GenerateTokens(string prompt, GenerationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        options ??= new GenerationOptions();
        options.Validate();
        int[] ids = EncodePrompt(prompt);
        return Run(prompt, ids, options);
    }

    /// <summary>
    /// Loss of the language model on a text: mean negative log-likelihood of every token after the first, given all
    /// the tokens before it (one stream from a zero state), and its perplexity.
    /// </summary>
    /// <param name="text">The text; it must encode to at least 2 tokens.</param>
    /// <returns>Nats per token, perplexity and the number of predicted tokens.</returns>
    /// <exception cref="ArgumentException">The text has fewer than 2 tokens, or holds unknown tokens and the vocabulary has no UNK.</exception>
    public PerplexityResult Evaluate(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int[] tokens = Sequencer.Encode(text);
        if (tokens.Length < 2)
        {
            throw new ArgumentException($"The text encodes to {tokens.Length} token(s); at least 2 are needed (one to predict from, one to predict).", nameof(text));
        }
        var result = SequenceEvaluator.EvaluateStream(Predictor.Model, tokens, streams: 1, chunkLength: 256);
        return new PerplexityResult(result.Loss, Math.Exp(result.Loss), result.Count);
    }

    private int[] EncodePrompt(string prompt)
    {
        var vocabulary = Sequencer.Vocabulary;
        var ids = new List<int>();
        foreach (string token in Sequencer.Tokenizer.Tokenize(prompt))
        {
            if (vocabulary.TryGetId(token, out int id))
            {
                ids.Add(id);
            }
            else if (vocabulary.UnknownId >= 0)
            {
                ids.Add(vocabulary.UnknownId);
            }
        }
        if (ids.Count == 0)
        {
            if (vocabulary.BeginId < 0)
            {
                throw new ArgumentException("The prompt has no tokens the model can read and the vocabulary has no BOS token to start from; give a prompt with at least one known token.", nameof(prompt));
            }
            ids.Add(vocabulary.BeginId);
        }
        return [.. ids];
    }

    private IEnumerable<string> Run(string prompt, int[] promptIds, GenerationOptions options)
    {
        if (options.IncludePrompt && prompt.Length > 0)
        {
            yield return prompt;
        }
        if (options.MaxLength == 0)
        {
            yield break;
        }
        var session = Predictor.CreateSession();
        foreach (int id in promptIds)
        {
            session.Step(id);
        }
        var sampler = new TokenSampler(options.Temperature, options.TopK, options.TopP, options.Seed);
        var decodeIds = new List<int>(promptIds.AsSpan(Math.Max(0, promptIds.Length - DecodeContext)).ToArray());
        string contextText = Sequencer.Decode(decodeIds.ToArray());
        var stops = new StopSequenceMatcher(options.StopSequences);
        string text = string.Empty;
        int emitted = 0;
        int endId = Sequencer.Vocabulary.EndId;
        for (int n = 0; n < options.MaxLength; n++)
        {
            int next = sampler.Sample(session.Logits);
            if (next == endId)
            {
                break;
            }
            decodeIds.Add(next);
            string full = Sequencer.Decode(decodeIds.ToArray());
            int searchFrom = Math.Max(0, text.Length - stops.LongestLength + 1);
            text = full.StartsWith(contextText, StringComparison.Ordinal) ? full[contextText.Length..] : full[CommonPrefix(full, contextText)..];
            int stop = stops.FirstMatch(text, Math.Min(searchFrom, text.Length));
            if (stop >= 0)
            {
                if (stop > emitted)
                {
                    yield return text[emitted..stop];
                }
                yield break;
            }
            int safe = text.Length - stops.PendingSuffix(text);
            if (safe > emitted)
            {
                yield return text[emitted..safe];
                emitted = safe;
            }
            if (n + 1 < options.MaxLength)
            {
                session.Step(next);
            }
        }
        if (text.Length > emitted)
        {
            yield return text[emitted..];
        }
    }

    private static int CommonPrefix(string a, string b)
    {
        int i = 0;
        while (i < a.Length && i < b.Length && a[i] == b[i])
        {
            i++;
        }
        return i;
    }
}
