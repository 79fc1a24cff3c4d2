using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Text;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Trains a recurrent binary classifier on a text column and a Boolean label. The transformer it returns adds
/// <c>Score</c>, <c>Probability</c> and <c>PredictedLabel</c> (what <c>BinaryClassification.Evaluate</c> reads) and
/// saves as an ordinary ML.NET model made of stock parts (see the README).
/// </summary>
public sealed class RecurrentTextClassifierEstimator : IEstimator<RecurrentModelTransformer>
{
    internal const string MaxLengthKey = "max_sequence_length";
    internal const string TextOrTokens = "a text (string) column or a key vector (tokens)";
    private readonly MLContext _context;

    internal RecurrentTextClassifierEstimator(MLContext context, RecurrentTextClassifierOptions options)
    {
        _context = context;
        Options = options;
        RecurrentTextClassifierOptions.Check(options);
    }

    /// <summary>The options.</summary>
    public RecurrentTextClassifierOptions Options { get; }

    /// <summary>The schema the fitted transformer produces: the input columns plus Score, Probability and PredictedLabel.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The text or label column is missing or of the wrong type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        CheckColumn(inputSchema, Options.TextColumnName, "text (string) or key vector (tokens)",
            c => (c.Kind == SchemaShape.Column.VectorKind.Scalar && c.ItemType is TextDataViewType) || (c.Kind != SchemaShape.Column.VectorKind.Scalar && c.IsKey));
        bool tokens = inputSchema.First(c => c.Name == Options.TextColumnName).IsKey;
        // The chain of stock parts the transformer is made of tells the output schema (SchemaShape columns cannot be built directly).
        return Template(_context, Options.TextColumnName, "", tokens).GetOutputSchema(inputSchema);
    }

    /// <summary>Reads the data, trains the model, and returns a transformer that predicts with it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type.</exception>
    /// <exception cref="ArgumentException">The training data is empty or has only one class.</exception>
    public RecurrentModelTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var rows = ReadRows(input, nameof(input));
        if (rows.Count == 0)
        {
            throw new ArgumentException($"The training data is empty: no rows in columns '{Options.TextColumnName}' and '{Options.LabelColumnName}'.", nameof(input));
        }
        int positives = rows.Count(r => r.Label);
        if (positives == 0 || positives == rows.Count)
        {
            throw new ArgumentException($"The label column '{Options.LabelColumnName}' has only one class ({(positives == 0 ? "false" : "true")}) in {rows.Count} rows; a binary classifier needs both.", nameof(input));
        }
        List<(string Text, bool Label)> train = rows, validation = [];
        if (Options.ValidationSet is { } validationSet)
        {
            validation = ReadRows(validationSet, nameof(Options.ValidationSet));
        }
        else
        {
            (train, var held) = ValidationSplit.Split(rows, Options.ValidationFraction, Options.Seed);
            validation = held ?? [];
        }

        bool tokenInput = TokenColumn.IsKeyVector(input.Schema, Options.TextColumnName);
        var sequencer = BuildSequencer(train.Select(r => r.Text), tokenInput, Options.WordTokens, Options.MinTokenCount);
        List<SequenceExample> Encode(List<(string Text, bool Label)> data) => EncodeRows(sequencer, data, tokenInput, Options.MaxSequenceLength);

        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.Classification, VocabularySize = sequencer.Vocabulary.Count, EmbeddingSize = Options.EmbeddingSize,
            Cell = Options.Cell, HiddenSize = Options.HiddenSize, NumLayers = Options.NumLayers, Bidirectional = Options.Bidirectional,
            Dropout = Options.Dropout, Pooling = Options.Pooling, OutputSize = 2,
        }, Options.Seed);
        var trainer = new SequenceTrainer(model, new TrainerOptions
        {
            Epochs = Options.Epochs, BatchSize = Options.BatchSize, Optimizer = Options.Optimizer, LearningRate = Options.LearningRate,
            EarlyStoppingPatience = validation.Count > 0 ? Options.EarlyStoppingPatience : null, Seed = Options.Seed,
        });
        var result = trainer.Fit(Encode(train), validation.Count > 0 ? Encode(validation) : null, Options.Progress);
        return CreateTransformer(_context, Options.TextColumnName, model, sequencer, Options.MaxSequenceLength, result, input, tokenInput);
    }

    // Key-vector rows carry their tokens joined by U+001F (a separator no tokenizer keeps), text rows their text.
    internal static TextSequencer BuildSequencer(IEnumerable<string> texts, bool tokenInput, bool wordTokens, int minCount)
    {
        var vocabulary = new VocabularyOptions { MinCount = minCount, SpecialTokens = SpecialTokens.Pad | SpecialTokens.Unknown };
        return tokenInput
            ? new TextSequencer(new WordTokenizer(), Vocabulary.Build(texts.Select(TokenColumn.Split), vocabulary))
            : TextSequencer.Build(texts, wordTokens ? new WordTokenizer() : new CharacterTokenizer(), vocabulary);
    }

    // The ids of one text (or joined tokens), cut to the first maxLength; an empty one is one unknown token.
    internal static int[] Encode(TextSequencer sequencer, string text, bool tokenInput, int maxLength)
    {
        int[] ids = tokenInput ? sequencer.Vocabulary.Encode(TokenColumn.Split(text)) : sequencer.Encode(text);
        return ids.Length == 0 ? [sequencer.Vocabulary.UnknownId] : ids.Length > maxLength ? ids[..maxLength] : ids;
    }

    internal static List<SequenceExample> EncodeRows(TextSequencer sequencer, List<(string Text, bool Label)> rows, bool tokenInput, int maxLength) =>
        rows.Select(r => SequenceExample.ForClassification(Encode(sequencer, r.Text, tokenInput, maxLength), r.Label ? 1 : 0)).ToList();

    // Wraps a trained model into the saveable chain of stock parts.
    internal static RecurrentModelTransformer CreateTransformer(MLContext context, string textColumn, SequenceModel model,
        TextSequencer sequencer, int maxLength, TrainingResult? result, IDataView input, bool tokenInput = false)
    {
        var bundle = new RecurrentModelBundle(model, sequencer, ["False", "True"],
            [new(MaxLengthKey, maxLength)], [new("task", "binary-text-classification")]);
        var chain = Template(context, textColumn, bundle.ToBase64(), tokenInput).Fit(input);
        return new RecurrentModelTransformer(chain, bundle, result);
    }

    // CopyColumns -> model key -> model text -> prediction mapping -> drop helpers: stock, saveable parts only.
    // A key-vector input becomes a token text vector through the stock MapKeyToValue.
    private static EstimatorChain<Transforms.ColumnSelectingTransformer> Template(MLContext context, string textColumn, string modelText, bool tokenInput) =>
        tokenInput
            ? RecurrentChain.WithModel(context, context.Transforms.Conversion.MapKeyToValue(RecurrentColumnNames.Tokens, textColumn), modelText)
                .Append<ITransformer>(context.Transforms.CustomMapping<RecurrentTokensInput, RecurrentBinaryOutput>(RecurrentBinaryTokenClassifierFactory.Map, RecurrentBinaryTokenClassifierFactory.ContractName))
                .Append(context.Transforms.DropColumns(RecurrentColumnNames.Tokens, RecurrentColumnNames.ModelKey, RecurrentColumnNames.Model))
            : RecurrentChain.WithModel(context, context.Transforms.CopyColumns(RecurrentColumnNames.Text, textColumn), modelText)
                .Append<ITransformer>(context.Transforms.CustomMapping<RecurrentTextInput, RecurrentBinaryOutput>(RecurrentBinaryTextClassifierFactory.Map, RecurrentBinaryTextClassifierFactory.ContractName))
                .Append(context.Transforms.DropColumns(RecurrentColumnNames.Text, RecurrentColumnNames.ModelKey, RecurrentColumnNames.Model));

    private List<(string Text, bool Label)> ReadRows(IDataView data, string paramName) =>
        ReadRows(data, Options.TextColumnName, Options.LabelColumnName, paramName);

    internal static List<(string Text, bool Label)> ReadRows(IDataView data, string textColumn, string labelColumn, string paramName)
    {
        if (TokenColumn.IsKeyVector(data.Schema, textColumn))
        {
            var label2 = ColumnCheck.Require(data.Schema, labelColumn, "Boolean", t => t is BooleanDataViewType, paramName);
            return TokenColumn.Read(data, textColumn, label2, paramName).Select(r => (string.Join(TokenColumn.Separator, r.Tokens), r.Label)).ToList();
        }
        var text = ColumnCheck.Require(data.Schema, textColumn, TextOrTokens, t => t is TextDataViewType, paramName);
        var label = ColumnCheck.Require(data.Schema, labelColumn, "Boolean", t => t is BooleanDataViewType, paramName);
        var rows = new List<(string, bool)>();
        using var cursor = data.GetRowCursor([text, label]);
        var getText = cursor.GetGetter<ReadOnlyMemory<char>>(text);
        var getLabel = cursor.GetGetter<bool>(label);
        ReadOnlyMemory<char> t = default;
        bool l = false;
        while (cursor.MoveNext())
        {
            getText(ref t);
            getLabel(ref l);
            rows.Add((t.ToString(), l));
        }
        return rows;
    }

    private static void CheckColumn(SchemaShape schema, string name, string expected, Func<SchemaShape.Column, bool> ok)
    {
        var column = schema.FirstOrDefault(c => c.Name == name);
        if (column.Name is null)
        {
            throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' was not found; expected a {expected} column.");
        }
        if (!ok(column))
        {
            throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' has type {column.ItemType}{(column.Kind != SchemaShape.Column.VectorKind.Scalar ? " vector" : "")}; expected {expected}.");
        }
    }
}
