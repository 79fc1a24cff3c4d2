using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.SavedModel;
using Microsoft.ML.Recurrent.Text;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Trains a bidirectional recurrent tagger (one tag per token) on a text-vector tokens column and a text-vector tags
/// column; the transformer adds <c>PredictedTags</c>, a text vector with one tag per token.
/// </summary>
/// <remarks>
/// Create it with <see cref="RecurrentTextCatalog.RecurrentTagger(TransformsCatalog.TextTransforms, string, string, int, int)"/>
/// or, with every option, <see cref="RecurrentTextCatalog.RecurrentTagger(TransformsCatalog.TextTransforms, Options)"/>.
/// <example>
/// <code>
/// // Each row: "Tokens" (string[]) and "Label" (string[], one tag per token).
/// var tagger = mlContext.Transforms.Text.RecurrentTagger(new RecurrentSequenceTaggingEstimator.Options { Epochs = 8, MinTokenCount = 1 })
///     .Fit(sentences);
/// var tagged = tagger.Transform(sentences).GetColumn&lt;string[]&gt;("PredictedTags");
/// </code>
/// </example>
/// </remarks>
public sealed class RecurrentSequenceTaggingEstimator : IEstimator<RecurrentModelTransformer>
{
    private const string TextVector = "a vector of text";
    private readonly MLContext _context;

    /// <summary>Options of <see cref="RecurrentSequenceTaggingEstimator"/>.</summary>
    public sealed class Options : RecurrentTrainerOptionsBase
    {
        /// <summary>Creates the options with this estimator's defaults: Epochs 5, the rest as on <see cref="RecurrentTrainerOptionsBase"/>.</summary>
        public Options()
        {
            Epochs = RecurrentDefaults.SequenceTagging.Epochs;
        }

        /// <summary>The tokens column: a vector of text (e.g. from <c>Text.TokenizeIntoWords</c>). Default "Tokens".</summary>
        public string TokensColumnName { get; set; } = RecurrentDefaults.TokensColumnName;

        /// <summary>The tags column: a vector of text, one tag per token. Default "Label".</summary>
        public string LabelColumnName { get; set; } = RecurrentDefaults.LabelColumnName;

        /// <summary>Tokens seen fewer times map to the unknown token (which then learns to tag unseen words). Default 2.</summary>
        public int MinTokenCount { get; set; } = RecurrentDefaults.SequenceTagging.MinTokenCount;

        /// <summary>Token embedding width. Default 64.</summary>
        public int EmbeddingSize { get; set; } = RecurrentDefaults.SequenceTagging.EmbeddingSize;

        /// <summary>
        /// Character-aware words: each token is also read as its characters (a character CNN whose output is concatenated
        /// with the token embedding), so a word never seen in training still gets its own representation. Default true.
        /// </summary>
        public bool CharacterAwareWords { get; set; } = RecurrentDefaults.SequenceTagging.CharacterAwareWords;

        /// <summary>Character embedding width (with <see cref="CharacterAwareWords"/>). Default 16.</summary>
        public int CharacterEmbeddingSize { get; set; } = RecurrentDefaults.SequenceTagging.CharacterEmbeddingSize;

        /// <summary>Character filters per convolution width, widths 1 to 3 (with <see cref="CharacterAwareWords"/>). Default 32.</summary>
        public int CharacterFilters { get; set; } = RecurrentDefaults.SequenceTagging.CharacterFilters;
    }

    internal RecurrentSequenceTaggingEstimator(MLContext context, Options options)
    {
        _context = context;
        TrainerOptions = options;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSequenceLength, 1, nameof(options));
    }

    internal Options TrainerOptions { get; }

    /// <summary>The input columns plus PredictedTags.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var tokens = inputSchema.FirstOrDefault(c => c.Name == TrainerOptions.TokensColumnName);
        if (tokens.Name is null || tokens.Kind == SchemaShape.Column.VectorKind.Scalar || tokens.ItemType is not TextDataViewType)
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{TrainerOptions.TokensColumnName}' {(tokens.Name is null ? "was not found" : $"has type {tokens.ItemType}")}; expected a vector of text (tokens).");
        }
        return SavedModelChain.Create(_context, new(SavedModelTask.SequenceTagging, TrainerOptions.TokensColumnName), "").GetOutputSchema(inputSchema);
    }

    /// <summary>Reads tokens and tags, trains, and returns the transformer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or not a text vector.</exception>
    /// <exception cref="ArgumentException">No sentences, or a row whose tags do not match its tokens one to one (the message names the row).</exception>
    public RecurrentModelTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var rows = ReadRows(input, TrainerOptions.TokensColumnName, TrainerOptions.LabelColumnName, nameof(input));
        if (rows.Count == 0)
        {
            throw new ArgumentException($"The training data has no non-empty token sequences in '{TrainerOptions.TokensColumnName}'.", nameof(input));
        }
        var o = TrainerOptions;
        var vocabulary = BuildVocabulary(rows, o.MinTokenCount);
        var characters = o.CharacterAwareWords ? CharacterVocabulary.Build(rows.SelectMany(r => r.Tokens)) : null;
        var tagNames = TagNames(rows, o.LabelColumnName, nameof(input));
        var examples = Encode(rows, vocabulary, characters, tagNames, o.MaxSequenceLength);
        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.Tagging, VocabularySize = vocabulary.Count, EmbeddingSize = o.EmbeddingSize, Cell = o.Cell,
            HiddenSize = o.HiddenSize, NumLayers = o.NumLayers, OutputSize = tagNames.Length, Dropout = o.Dropout,
            CharacterVocabularySize = characters?.Count ?? 0, CharacterEmbeddingSize = o.CharacterEmbeddingSize, CharacterFilters = o.CharacterFilters,
        }, o.Seed);
        var result = o.Train(model, examples);
        return CreateTransformer(_context, o.TokensColumnName, model, new TextSequencer(new WordTokenizer(), vocabulary, characters), tagNames, o.MaxSequenceLength, result, input);
    }

    // The non-empty sentences, in row order; a row whose tags do not match its tokens one to one is an error naming it.
    internal static List<(string[] Tokens, string[] Tags)> ReadRows(IDataView data, string tokensColumn, string tagsColumn, string paramName)
    {
        var tokensCol = ColumnCheck.Require(data.Schema, tokensColumn, TextVector, IsTextVector, paramName);
        var tagsCol = ColumnCheck.Require(data.Schema, tagsColumn, TextVector, IsTextVector, paramName);
        var rows = new List<(string[] Tokens, string[] Tags)>();
        using var cursor = data.GetRowCursor([tokensCol, tagsCol]);
        var getTokens = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(tokensCol);
        var getTags = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(tagsCol);
        VBuffer<ReadOnlyMemory<char>> tokens = default, tags = default;
        for (long row = 0; cursor.MoveNext(); row++)
        {
            getTokens(ref tokens);
            getTags(ref tags);
            var tk = tokens.DenseValues().Select(t => t.ToString()).ToArray();
            var tg = tags.DenseValues().Select(t => t.ToString()).ToArray();
            if (tk.Length != tg.Length)
            {
                throw new ArgumentException($"Row {row} has {tk.Length} tokens in '{tokensColumn}' but {tg.Length} tags in '{tagsColumn}'; a tagger needs one tag per token.", paramName);
            }
            if (tk.Length > 0)
            {
                rows.Add((tk, tg));
            }
        }
        return rows;
    }

    internal static Vocabulary BuildVocabulary(IEnumerable<(string[] Tokens, string[] Tags)> rows, int minCount) =>
        Vocabulary.Build(rows.Select(r => r.Tokens), new VocabularyOptions { MinCount = minCount, SpecialTokens = SpecialTokens.Pad | SpecialTokens.Unknown });

    // The distinct tags in ordinal order: the model's classes.
    internal static string[] TagNames(IEnumerable<(string[] Tokens, string[] Tags)> rows, string tagsColumn, string paramName)
    {
        var names = rows.SelectMany(r => r.Tags).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (names.Length < 2)
        {
            throw new ArgumentException($"Column '{tagsColumn}' has {(names.Length == 0 ? "no tags" : $"only one tag ({names[0]})")}; a tagger needs at least two.", paramName);
        }
        return names;
    }

    // Each sentence in windows of at most maxLength tokens.
    // (With a character vocabulary, each token's characters too.)
    internal static List<SequenceExample> Encode(IEnumerable<(string[] Tokens, string[] Tags)> rows, Vocabulary vocabulary, CharacterVocabulary? characters,
        string[] tagNames, int maxLength)
    {
        var tagIds = tagNames.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i, StringComparer.Ordinal);
        return rows.SelectMany(r => Enumerable.Range(0, (r.Tokens.Length + maxLength - 1) / maxLength)
            .Select(w => new SequenceExample
            {
                Tokens = vocabulary.Encode(r.Tokens.Skip(w * maxLength).Take(maxLength)),
                Characters = characters?.Encode(r.Tokens.Skip(w * maxLength).Take(maxLength)),
                StepLabels = r.Tags.Skip(w * maxLength).Take(maxLength).Select(t => tagIds[t]).ToArray(),
            })).ToList();
    }

    // Wraps a trained model into the saveable chain of stock parts.
    internal static RecurrentModelTransformer CreateTransformer(MLContext context, string tokensColumn, SequenceModel model, TextSequencer sequencer,
        string[] tagNames, int maxLength, TrainingResult? result, IDataView input) =>
        SavedModelChain.Fit(context, new(SavedModelTask.SequenceTagging, tokensColumn), model, sequencer, tagNames, maxLength, result, input);

    private static bool IsTextVector(DataViewType type) => type is VectorDataViewType { ItemType: TextDataViewType };
}
