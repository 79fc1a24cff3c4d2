using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Seq2Seq;
using Microsoft.ML.Recurrent.SavedModel;
using Microsoft.ML.Recurrent.Text;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Trains an attention encoder–decoder that maps a text column to a text column (transliteration, spelling correction,
/// grapheme to phoneme, short translation), with character or word tokens chosen per side; the transformer adds the
/// predicted text and, on request, the attention weights. See docs/seq2seq.md for the model.
/// </summary>
/// <remarks>
/// Create it with <see cref="RecurrentTextCatalog.RecurrentSequenceToSequence(TransformsCatalog.TextTransforms, string, string, string, int, int)"/>
/// or, with every option, <see cref="RecurrentTextCatalog.RecurrentSequenceToSequence(TransformsCatalog.TextTransforms, Options)"/>.
/// <example>
/// <code>
/// // Each row: "Text" (a word) and "Label" (its pronunciation, phonemes separated by spaces).
/// var g2p = mlContext.Transforms.Text.RecurrentSequenceToSequence(new RecurrentSequenceToSequenceEstimator.Options { TargetTokens = TokenizerKind.Word })
///     .Fit(words);
/// var spelled = g2p.Transform(words).GetColumn&lt;string&gt;("PredictedText");
/// </code>
/// </example>
/// </remarks>
public sealed class RecurrentSequenceToSequenceEstimator : IEstimator<RecurrentSequenceToSequenceTransformer>
{
    private readonly MLContext _context;

    /// <summary>Options of <see cref="RecurrentSequenceToSequenceEstimator"/>.</summary>
    public sealed class Options : RecurrentTrainerOptionsBase
    {
        /// <summary>Creates the options with this estimator's defaults: HiddenSize 128, Epochs 20, LearningRate 0.003, the rest as on <see cref="RecurrentTrainerOptionsBase"/>.</summary>
        public Options()
        {
            HiddenSize = RecurrentDefaults.SequenceToSequence.HiddenSize;
            Epochs = RecurrentDefaults.SequenceToSequence.Epochs;
            LearningRate = RecurrentDefaults.SequenceToSequence.LearningRate;
        }

        /// <summary>The source text column. Default "Text".</summary>
        public string InputColumnName { get; set; } = RecurrentDefaults.TextColumnName;

        /// <summary>The target text column (training only). Default "Label".</summary>
        public string LabelColumnName { get; set; } = RecurrentDefaults.LabelColumnName;

        /// <summary>The predicted text column to add. Default "PredictedText".</summary>
        public string OutputColumnName { get; set; } = RecurrentDefaults.SequenceToSequence.OutputColumnName;

        /// <summary>
        /// When set, a column of this name gets the attention weights: a vector of (output tokens + 1) x (source tokens)
        /// values, row-major, one row per output token and the last for EOS. Default null.
        /// </summary>
        public string? AttentionColumnName { get; set; }

        /// <summary>How the source text is cut into tokens. Default Character.</summary>
        public TokenizerKind SourceTokens { get; set; } = TokenizerKind.Character;

        /// <summary>How the target text is cut into tokens (and joined back: characters as they are, words with single spaces). Default Character.</summary>
        public TokenizerKind TargetTokens { get; set; } = TokenizerKind.Character;

        /// <summary>Token embedding width of both sides. Default 64.</summary>
        public int EmbeddingSize { get; set; } = RecurrentDefaults.SequenceToSequence.EmbeddingSize;

        /// <summary>The attention. Default General.</summary>
        public AttentionKind Attention { get; set; } = AttentionKind.General;

        /// <summary>Hypotheses kept by the beam search at prediction (1 is greedy). Default 4.</summary>
        public int BeamWidth { get; set; } = RecurrentDefaults.SequenceToSequence.BeamWidth;

        /// <summary>The most output tokens predicted; 0 means twice the source length plus 10. Default 0.</summary>
        public int MaxOutputLength { get; set; }

        /// <summary>Label smoothing of the training loss, in [0, 1). Default 0.1.</summary>
        public float LabelSmoothing { get; set; } = RecurrentDefaults.SequenceToSequence.LabelSmoothing;
    }

    internal RecurrentSequenceToSequenceEstimator(MLContext context, Options options)
    {
        _context = context;
        TrainerOptions = options;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSequenceLength, 1, nameof(options));
        if (options.Dropout != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Dropout, "Dropout is not supported by the sequence-to-sequence model; leave it 0.");
        }
        new Seq2SeqDecodeOptions { BeamWidth = options.BeamWidth, MaxLength = options.MaxOutputLength }.Validate();
    }

    internal Options TrainerOptions { get; }

    /// <summary>The input columns plus the predicted text (and the attention weights when asked for).</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var input = inputSchema.FirstOrDefault(c => c.Name == TrainerOptions.InputColumnName);
        if (input.Name is null || input.Kind != SchemaShape.Column.VectorKind.Scalar || input.ItemType is not TextDataViewType)
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{TrainerOptions.InputColumnName}' {(input.Name is null ? "was not found" : $"has type {input.ItemType}")}; expected a text (string) column.");
        }
        return Chain("").GetOutputSchema(inputSchema);
    }

    /// <summary>Reads the source and target texts, trains, and returns the transformer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or not text.</exception>
    /// <exception cref="ArgumentException">No row has both a non-empty source and a target.</exception>
    public RecurrentSequenceToSequenceTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = TrainerOptions;
        var rows = ReadTokens(input, nameof(input));
        if (rows.Count == 0)
        {
            throw new ArgumentException($"The training data has no row with a non-empty source in '{o.InputColumnName}'.", nameof(input));
        }
        var (sources, targets) = BuildVocabularies(rows);
        var examples = Encode(rows, sources, targets);
        var model = new Seq2SeqModel(new Seq2SeqOptions
        {
            SourceEmbeddingSize = o.EmbeddingSize, TargetEmbeddingSize = o.EmbeddingSize, EncoderCell = o.Cell, DecoderCell = o.Cell,
            EncoderHiddenSize = Math.Max(1, o.HiddenSize / 2), EncoderLayers = o.NumLayers, Bidirectional = true,
            DecoderHiddenSize = o.HiddenSize, DecoderLayers = o.NumLayers, Attention = o.Attention,
        }, sources, targets, o.Seed);
        var (train, validation) = ValidationSplit.Split(examples, o.ValidationFraction, o.Seed);
        var result = new Seq2SeqTrainer(model, new TrainerOptions
        {
            Epochs = o.Epochs, BatchSize = o.BatchSize, Optimizer = o.Optimizer, LearningRate = o.LearningRate, Seed = o.Seed,
            EarlyStoppingPatience = validation is null ? null : o.EarlyStoppingPatience, TimeLimit = o.TimeLimit,
        }, o.LabelSmoothing).Fit(train, validation, o.Progress);
        return CreateTransformer(input, model, result);
    }

    /// <summary>
    /// The source and target tokens of every row with a non-empty source, each side cut to
    /// <see cref="RecurrentTrainerOptionsBase.MaxSequenceLength"/> tokens; a missing or non-text column is an
    /// <see cref="ArgumentOutOfRangeException"/> for <paramref name="paramName"/>. The experiment reads its data here too.
    /// </summary>
    internal List<(string[] Source, string[] Target)> ReadTokens(IDataView data, string paramName)
    {
        var o = TrainerOptions;
        var sourceTokenizer = Seq2SeqModelText.Tokenizer(o.SourceTokens);
        var targetTokenizer = Seq2SeqModelText.Tokenizer(o.TargetTokens);
        return [.. ReadPairs(data, paramName)
            .Select(p => (Source: sourceTokenizer.Tokenize(p.Source).Take(o.MaxSequenceLength).ToArray(), Target: targetTokenizer.Tokenize(p.Target).Take(o.MaxSequenceLength).ToArray()))
            .Where(p => p.Source.Length > 0)];
    }

    /// <summary>The source vocabulary (with UNK) and the target vocabulary (with UNK, BOS and EOS) of the training rows.</summary>
    internal static (Vocabulary Sources, Vocabulary Targets) BuildVocabularies(IReadOnlyList<(string[] Source, string[] Target)> rows) =>
        (Vocabulary.Build(rows.Select(r => r.Source), new VocabularyOptions { SpecialTokens = SpecialTokens.Unknown }),
         Vocabulary.Build(rows.Select(r => r.Target), new VocabularyOptions { SpecialTokens = SpecialTokens.Unknown | SpecialTokens.BeginOfSequence | SpecialTokens.EndOfSequence }));

    /// <summary>The rows as id pairs (a token outside a vocabulary becomes its UNK).</summary>
    internal static List<Seq2SeqExample> Encode(IEnumerable<(string[] Source, string[] Target)> rows, Vocabulary sources, Vocabulary targets) =>
        [.. rows.Select(r => new Seq2SeqExample(sources.Encode(r.Source), targets.Encode(r.Target)))];

    /// <summary>A trained model wrapped as this estimator's transformer: the saveable chain fitted on <paramref name="input"/>'s schema.</summary>
    internal RecurrentSequenceToSequenceTransformer CreateTransformer(IDataView input, Seq2SeqModel model, TrainingResult result)
    {
        var o = TrainerOptions;
        var text = new Seq2SeqModelText(model, o.SourceTokens, o.TargetTokens, o.BeamWidth, o.MaxOutputLength, o.MaxSequenceLength);
        return new RecurrentSequenceToSequenceTransformer(Chain(text.ToBase64()).Fit(input), o.InputColumnName, model, result);
    }

    private EstimatorChain<Microsoft.ML.Transforms.ColumnSelectingTransformer> Chain(string modelText) =>
        Seq2SeqChain.Create(_context, TrainerOptions.InputColumnName, TrainerOptions.OutputColumnName, TrainerOptions.AttentionColumnName, modelText);

    private List<(string Source, string Target)> ReadPairs(IDataView data, string paramName)
    {
        var o = TrainerOptions;
        var sourceColumn = ColumnCheck.Require(data.Schema, o.InputColumnName, "a text (string) column", t => t is TextDataViewType, paramName);
        var targetColumn = ColumnCheck.Require(data.Schema, o.LabelColumnName, "a text (string) column", t => t is TextDataViewType, paramName);
        var pairs = new List<(string, string)>();
        using var cursor = data.GetRowCursor([sourceColumn, targetColumn]);
        var getSource = cursor.GetGetter<ReadOnlyMemory<char>>(sourceColumn);
        var getTarget = cursor.GetGetter<ReadOnlyMemory<char>>(targetColumn);
        ReadOnlyMemory<char> source = default, target = default;
        while (cursor.MoveNext())
        {
            getSource(ref source);
            getTarget(ref target);
            pairs.Add((source.ToString(), target.ToString()));
        }
        return pairs;
    }
}
