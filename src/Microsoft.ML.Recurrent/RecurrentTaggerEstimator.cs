using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Text;

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
        var tokensColumn = RequireTextVector(input.Schema, Options.TokensColumnName);
        var tagsColumn = RequireTextVector(input.Schema, Options.LabelColumnName);
        var rows = new List<(string[] Tokens, string[] Tags)>();
        using (var cursor = input.GetRowCursor([tokensColumn, tagsColumn]))
        {
            var getTokens = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(tokensColumn);
            var getTags = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(tagsColumn);
            VBuffer<ReadOnlyMemory<char>> tokens = default, tags = default;
            while (cursor.MoveNext())
            {
                getTokens(ref tokens);
                getTags(ref tags);
                var tk = tokens.DenseValues().Select(t => t.ToString()).ToArray();
                var tg = tags.DenseValues().Select(t => t.ToString()).ToArray();
                if (tk.Length != tg.Length)
                {
                    throw new ArgumentException($"Row {rows.Count} has {tk.Length} tokens in '{Options.TokensColumnName}' but {tg.Length} tags in '{Options.LabelColumnName}'; a tagger needs one tag per token.", nameof(input));
                }
                if (tk.Length > 0)
                {
                    rows.Add((tk, tg));
                }
            }
        }
        if (rows.Count == 0)
        {
            throw new ArgumentException($"The training data has no non-empty token sequences in '{Options.TokensColumnName}'.", nameof(input));
        }
        var vocabulary = Vocabulary.Build(rows.Select(r => r.Tokens), new VocabularyOptions { MinCount = Options.MinTokenCount, SpecialTokens = SpecialTokens.Pad | SpecialTokens.Unknown });
        var tagNames = rows.SelectMany(r => r.Tags).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (tagNames.Length < 2)
        {
            throw new ArgumentException($"Column '{Options.LabelColumnName}' has only one tag ({tagNames[0]}); a tagger needs at least two.", nameof(input));
        }
        var tagIds = tagNames.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i, StringComparer.Ordinal);
        var examples = rows.SelectMany(r => Enumerable.Range(0, (r.Tokens.Length + Options.MaxSequenceLength - 1) / Options.MaxSequenceLength)
            .Select(w => SequenceExample.ForTagging(
                vocabulary.Encode(r.Tokens.Skip(w * Options.MaxSequenceLength).Take(Options.MaxSequenceLength)),
                r.Tags.Skip(w * Options.MaxSequenceLength).Take(Options.MaxSequenceLength).Select(t => tagIds[t]).ToArray()))).ToList();
        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.Tagging, VocabularySize = vocabulary.Count, EmbeddingSize = Options.EmbeddingSize, Cell = Options.Cell,
            HiddenSize = Options.HiddenSize, NumLayers = Options.NumLayers, OutputSize = tagNames.Length, Dropout = Options.Dropout,
        }, Options.Seed);
        var result = Options.Train(model, examples);
        var bundle = new RecurrentModelBundle(model, new TextSequencer(new WordTokenizer(), vocabulary), tagNames,
            [new(RecurrentTextClassifierEstimator.MaxLengthKey, Options.MaxSequenceLength)], [new("task", "sequence-tagging")]);
        return new RecurrentModelTransformer(Template(_context, Options.TokensColumnName, bundle.ToBase64()).Fit(input), bundle, result);
    }

    private static EstimatorChain<Transforms.ColumnSelectingTransformer> Template(MLContext context, string tokensColumn, string modelText) =>
        RecurrentChain.WithModel(context, context.Transforms.CopyColumns(RecurrentColumnNames.Tokens, tokensColumn), modelText)
            .Append(context.Transforms.CustomMapping<RecurrentTokensInput, RecurrentTaggerOutput>(RecurrentTaggerFactory.Map, RecurrentTaggerFactory.ContractName))
            .Append(context.Transforms.DropColumns(RecurrentColumnNames.Tokens, RecurrentColumnNames.ModelKey, RecurrentColumnNames.Model));

    private static DataViewSchema.Column RequireTextVector(DataViewSchema schema, string name)
    {
        var column = schema.GetColumnOrNull(name);
        if (column is null || column.Value.Type is not VectorDataViewType { ItemType: TextDataViewType })
        {
            throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' {(column is null ? "was not found" : $"has type {column.Value.Type}")}; expected a vector of text.");
        }
        return column.Value;
    }
}
