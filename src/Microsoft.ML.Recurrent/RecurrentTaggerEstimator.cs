using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Text;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>Options of the recurrent sequence tagger.</summary>
public sealed class RecurrentTaggerOptions : RecurrentTrainingOptions
{
    /// <summary>Creates the options with this trainer's defaults: Epochs 5.</summary>
    public RecurrentTaggerOptions()
    {
        Epochs = 5;
    }

    /// <summary>The tokens column: a vector of text (e.g. from <c>Text.TokenizeIntoWords</c>). Default "Tokens".</summary>
    public string TokensColumnName { get; set; } = "Tokens";

    /// <summary>The tags column: a vector of text, one tag per token. Default "Label".</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>Tokens seen fewer times map to the unknown token (which then learns to tag unseen words). Default 2.</summary>
    public int MinTokenCount { get; set; } = 2;

    /// <summary>Token embedding width. Default 64.</summary>
    public int EmbeddingSize { get; set; } = 64;
}

/// <summary>
/// Trains a bidirectional recurrent tagger (one tag per token) on a text-vector tokens column and a text-vector tags
/// column; the transformer adds <c>PredictedTags</c>, a text vector with one tag per token.
/// </summary>
public sealed class RecurrentTaggerEstimator : IEstimator<RecurrentModelTransformer>
{
    private const string TextVector = "a vector of text";
    private readonly MLContext _context;

    internal RecurrentTaggerEstimator(MLContext context, RecurrentTaggerOptions options)
    {
        _context = context;
        Options = options;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSequenceLength, 1, nameof(options));
    }

    /// <summary>The options.</summary>
    public RecurrentTaggerOptions Options { get; }

    /// <summary>The input columns plus PredictedTags.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var tokens = inputSchema.FirstOrDefault(c => c.Name == Options.TokensColumnName);
        if (tokens.Name is null || tokens.Kind == SchemaShape.Column.VectorKind.Scalar || tokens.ItemType is not TextDataViewType)
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{Options.TokensColumnName}' {(tokens.Name is null ? "was not found" : $"has type {tokens.ItemType}")}; expected a vector of text (tokens).");
        }
        return Template(_context, Options.TokensColumnName, "").GetOutputSchema(inputSchema);
    }

    /// <summary>Reads tokens and tags, trains, and returns the transformer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or not a text vector.</exception>
    /// <exception cref="ArgumentException">No sentences, or a row whose tags do not match its tokens one to one (the message names the row).</exception>
    public RecurrentModelTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var rows = ReadRows(input, Options.TokensColumnName, Options.LabelColumnName, nameof(input));
        if (rows.Count == 0)
        {
            throw new ArgumentException($"The training data has no non-empty token sequences in '{Options.TokensColumnName}'.", nameof(input));
        }
        var vocabulary = BuildVocabulary(rows, Options.MinTokenCount);
        var tagNames = TagNames(rows, Options.LabelColumnName, nameof(input));
        var examples = Encode(rows, vocabulary, tagNames, Options.MaxSequenceLength);
        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.Tagging, VocabularySize = vocabulary.Count, EmbeddingSize = Options.EmbeddingSize, Cell = Options.Cell,
            HiddenSize = Options.HiddenSize, NumLayers = Options.NumLayers, OutputSize = tagNames.Length, Dropout = Options.Dropout,
        }, Options.Seed);
        var result = Options.Train(model, examples);
        return CreateTransformer(_context, Options.TokensColumnName, model, vocabulary, tagNames, Options.MaxSequenceLength, result, input);
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
    internal static List<SequenceExample> Encode(IEnumerable<(string[] Tokens, string[] Tags)> rows, Vocabulary vocabulary, string[] tagNames, int maxLength)
    {
        var tagIds = tagNames.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i, StringComparer.Ordinal);
        return rows.SelectMany(r => Enumerable.Range(0, (r.Tokens.Length + maxLength - 1) / maxLength)
            .Select(w => SequenceExample.ForTagging(
                vocabulary.Encode(r.Tokens.Skip(w * maxLength).Take(maxLength)),
                r.Tags.Skip(w * maxLength).Take(maxLength).Select(t => tagIds[t]).ToArray()))).ToList();
    }

    // Wraps a trained model into the saveable chain of stock parts.
    internal static RecurrentModelTransformer CreateTransformer(MLContext context, string tokensColumn, SequenceModel model, Vocabulary vocabulary,
        string[] tagNames, int maxLength, TrainingResult? result, IDataView input)
    {
        var bundle = new RecurrentModelBundle(model, new TextSequencer(new WordTokenizer(), vocabulary), tagNames,
            [new(RecurrentTextClassifierEstimator.MaxLengthKey, maxLength)], [new("task", "sequence-tagging")]);
        return new RecurrentModelTransformer(Template(context, tokensColumn, bundle.ToBase64()).Fit(input), bundle, result);
    }

    private static EstimatorChain<Transforms.ColumnSelectingTransformer> Template(MLContext context, string tokensColumn, string modelText) =>
        RecurrentChain.WithModel(context, context.Transforms.CopyColumns(RecurrentColumnNames.Tokens, tokensColumn), modelText)
            .Append(context.Transforms.CustomMapping<RecurrentTokensInput, RecurrentTaggerOutput>(RecurrentTaggerFactory.Map, RecurrentTaggerFactory.ContractName))
            .Append(context.Transforms.DropColumns(RecurrentColumnNames.Tokens, RecurrentColumnNames.ModelKey, RecurrentColumnNames.Model));

    private static bool IsTextVector(DataViewType type) => type is VectorDataViewType { ItemType: TextDataViewType };
}
