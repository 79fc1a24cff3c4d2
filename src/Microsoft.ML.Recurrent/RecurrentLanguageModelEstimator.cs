using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Text;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>Options of the recurrent language model (<see cref="RecurrentCatalog.RecurrentLanguageModel(TransformsCatalog.TextTransforms, RecurrentLanguageModelOptions?)"/>).</summary>
public sealed class RecurrentLanguageModelOptions : RecurrentTrainingOptions
{
    /// <summary>Creates the options with this trainer's defaults: HiddenSize 128.</summary>
    public RecurrentLanguageModelOptions()
    {
        HiddenSize = 128;
    }

    /// <summary>The text column to learn from and to predict after. Default "Text".</summary>
    public string TextColumnName { get; set; } = "Text";

    /// <summary>Word tokens (true) or characters (false, default).</summary>
    public bool WordTokens { get; set; }

    /// <summary>Tokens seen fewer times map to the unknown token. Default 1.</summary>
    public int MinTokenCount { get; set; } = 1;

    /// <summary>Token embedding width. Default 64.</summary>
    public int EmbeddingSize { get; set; } = 64;
}

/// <summary>
/// Trains a next-token language model on the texts of a column (each text a sequence framed by BOS and EOS). The
/// transformer adds <c>PredictedToken</c> (the most likely token after each row's text) and <c>Probability</c>;
/// <see cref="RecurrentModelTransformer.CreateGenerator"/> (or <see cref="RecurrentModels.CreateGenerator(ITransformer)"/>
/// on a loaded model) generates text with prompts, temperature, top-k/top-p and seeds.
/// </summary>
public sealed class RecurrentLanguageModelEstimator : IEstimator<RecurrentModelTransformer>
{
    private readonly MLContext _context;

    internal RecurrentLanguageModelEstimator(MLContext context, RecurrentLanguageModelOptions options)
    {
        _context = context;
        Options = options;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSequenceLength, 2, nameof(options));
    }

    /// <summary>The options.</summary>
    public RecurrentLanguageModelOptions Options { get; }

    /// <summary>The input columns plus PredictedToken and Probability.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var text = inputSchema.FirstOrDefault(c => c.Name == Options.TextColumnName);
        if (text.Name is null || text.Kind != SchemaShape.Column.VectorKind.Scalar || text.ItemType is not TextDataViewType)
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{Options.TextColumnName}' {(text.Name is null ? "was not found" : $"has type {text.ItemType}")}; expected a text (string) column.");
        }
        return Template(_context, Options.TextColumnName, "").GetOutputSchema(inputSchema);
    }

    /// <summary>Reads the texts, trains the language model, and returns the transformer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The text column is missing or not text.</exception>
    /// <exception cref="ArgumentException">There is no text to learn from.</exception>
    public RecurrentModelTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var texts = ReadTexts(input, Options.TextColumnName, nameof(input));
        var sequencer = BuildSequencer(texts, Options.WordTokens, Options.MinTokenCount);
        var examples = Encode(sequencer, texts, Options.MaxSequenceLength);
        if (examples.Count == 0)
        {
            throw new ArgumentException($"Column '{Options.TextColumnName}' has no non-empty text to learn from.", nameof(input));
        }
        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.LanguageModel, VocabularySize = sequencer.Vocabulary.Count, EmbeddingSize = Options.EmbeddingSize,
            Cell = Options.Cell, HiddenSize = Options.HiddenSize, NumLayers = Options.NumLayers, Dropout = Options.Dropout,
        }, Options.Seed);
        var result = Options.Train(model, examples);
        return CreateTransformer(_context, Options.TextColumnName, model, sequencer, Options.MaxSequenceLength, result, input);
    }

    // The non-empty texts of the column, in row order.
    internal static List<string> ReadTexts(IDataView data, string textColumn, string paramName)
    {
        var column = ColumnCheck.Require(data.Schema, textColumn, "a text (string) column", t => t is TextDataViewType, paramName);
        return data.GetColumn<string>(column).Where(t => !string.IsNullOrEmpty(t)).ToList();
    }

    internal static TextSequencer BuildSequencer(IEnumerable<string> texts, bool wordTokens, int minCount) =>
        TextSequencer.Build(texts, wordTokens ? new WordTokenizer() : new CharacterTokenizer(),
            new VocabularyOptions { MinCount = minCount, SpecialTokens = SpecialTokens.All });

    // Each text framed by BOS and EOS and cut to maxLength steps (maxLength + 1 ids); texts with no step are left out.
    internal static List<SequenceExample> Encode(TextSequencer sequencer, IEnumerable<string> texts, int maxLength) => texts
        .Select(t => sequencer.Encode(t, addBegin: true, addEnd: true))
        .Select(ids => ids.Length > maxLength + 1 ? ids[..(maxLength + 1)] : ids)
        .Where(ids => ids.Length >= 2)
        .Select(ids => SequenceExample.ForLanguageModel(ids))
        .ToList();

    // Wraps a trained model into the saveable chain of stock parts.
    internal static RecurrentModelTransformer CreateTransformer(MLContext context, string textColumn, SequenceModel model, TextSequencer sequencer,
        int maxLength, TrainingResult? result, IDataView input)
    {
        var bundle = new RecurrentModelBundle(model, sequencer, null,
            [new(RecurrentTextClassifierEstimator.MaxLengthKey, maxLength)], [new("task", "language-model")]);
        return new RecurrentModelTransformer(Template(context, textColumn, bundle.ToBase64()).Fit(input), bundle, result);
    }

    private static EstimatorChain<Transforms.ColumnSelectingTransformer> Template(MLContext context, string textColumn, string modelText) =>
        RecurrentChain.WithModel(context, context.Transforms.CopyColumns(RecurrentColumnNames.Text, textColumn), modelText)
            .Append(context.Transforms.CustomMapping<RecurrentTextInput, RecurrentNextTokenOutput>(RecurrentNextTokenFactory.Map, RecurrentNextTokenFactory.ContractName))
            .Append(context.Transforms.DropColumns(RecurrentColumnNames.Text, RecurrentColumnNames.ModelKey, RecurrentColumnNames.Model));
}
