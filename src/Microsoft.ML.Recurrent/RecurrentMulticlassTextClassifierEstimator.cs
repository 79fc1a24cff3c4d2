using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Trains a recurrent multiclass classifier on a text column and a key-typed label (made with
/// <c>Conversion.MapValueToKey</c>, 2 to 64 classes). The transformer adds a known-size <c>Score</c> vector (class
/// probabilities in key order) and a key-typed <c>PredictedLabel</c> with the label's names, which
/// <c>MulticlassClassification.Evaluate</c> and <c>MapKeyToValue</c> read, before and after a save/load.
/// </summary>
public sealed class RecurrentMulticlassTextClassifierEstimator : IEstimator<RecurrentModelTransformer>
{
    internal const string KeyLabel = "a key (UInt32) label made with Conversion.MapValueToKey";
    private readonly MLContext _context;

    internal RecurrentMulticlassTextClassifierEstimator(MLContext context, RecurrentTextClassifierOptions options)
    {
        _context = context;
        Options = options;
        RecurrentTextClassifierOptions.Check(options);
    }

    /// <summary>The options (the label column must be a key column).</summary>
    public RecurrentTextClassifierOptions Options { get; }

    /// <summary>The schema the fitted transformer produces: the input columns plus Score and PredictedLabel.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The text or label column is missing or of the wrong type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var text = inputSchema.FirstOrDefault(c => c.Name == Options.TextColumnName);
        bool tokens = text.Name is not null && text.IsKey && text.Kind != SchemaShape.Column.VectorKind.Scalar;
        if (!tokens && (text.Name is null || text.Kind != SchemaShape.Column.VectorKind.Scalar || text.ItemType is not TextDataViewType))
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{Options.TextColumnName}' {(text.Name is null ? "was not found" : $"has type {text.ItemType}")}; expected {RecurrentTextClassifierEstimator.TextOrTokens}.");
        }
        var label = inputSchema.FirstOrDefault(c => c.Name == Options.LabelColumnName);
        if (label.Name is null || !label.IsKey || label.Kind != SchemaShape.Column.VectorKind.Scalar)
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Column '{Options.LabelColumnName}' {(label.Name is null ? "was not found" : $"has type {label.ItemType}{(label.IsKey ? " key vector" : "")}")}; expected {KeyLabel}.");
        }
        // A schema shape does not carry the key count; the shape of the output is the same for any count.
        return Template(_context, Options.TextColumnName, "", ["0", "1"], tokens).GetOutputSchema(inputSchema);
    }

    /// <summary>Reads the data, trains the model, and returns a transformer that predicts with it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type, or there are more than 64 classes.</exception>
    /// <exception cref="ArgumentException">The training data is empty or has only one class.</exception>
    public RecurrentModelTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (rows, names) = ReadRows(input, Options.TextColumnName, Options.LabelColumnName, nameof(input));
        if (rows.Count == 0)
        {
            throw new ArgumentException($"The training data is empty: no rows with a label in column '{Options.LabelColumnName}'.", nameof(input));
        }
        RequireTwoClasses(rows, Options.LabelColumnName, nameof(input));
        List<(string Text, int Label)> train = rows, validation = [];
        if (Options.ValidationSet is { } validationSet)
        {
            var (held, heldNames) = ReadRows(validationSet, Options.TextColumnName, Options.LabelColumnName, nameof(Options.ValidationSet));
            if (!heldNames.SequenceEqual(names))
            {
                throw new ArgumentException($"The validation set's label column '{Options.LabelColumnName}' has the classes [{string.Join(", ", heldNames)}]; "
                    + $"it must have the training data's [{string.Join(", ", names)}] in the same key order (map both with one MapValueToKey transformer).", nameof(input));
            }
            validation = held;
        }
        else
        {
            (train, var held) = ValidationSplit.Split(rows, Options.ValidationFraction, Options.Seed);
            validation = held ?? [];
        }
        bool tokenInput = TokenColumn.IsKeyVector(input.Schema, Options.TextColumnName);
        var sequencer = RecurrentTextClassifierEstimator.BuildSequencer(train.Select(r => r.Text), tokenInput, Options.WordTokens, Options.MinTokenCount);
        var examples = EncodeRows(sequencer, train, tokenInput, Options.MaxSequenceLength);
        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.Classification, VocabularySize = sequencer.Vocabulary.Count, EmbeddingSize = Options.EmbeddingSize,
            Cell = Options.Cell, HiddenSize = Options.HiddenSize, NumLayers = Options.NumLayers, Bidirectional = Options.Bidirectional,
            Dropout = Options.Dropout, Pooling = Options.Pooling, OutputSize = names.Length,
        }, Options.Seed);
        var result = new SequenceTrainer(model, new TrainerOptions
        {
            Epochs = Options.Epochs, BatchSize = Options.BatchSize, Optimizer = Options.Optimizer, LearningRate = Options.LearningRate, Seed = Options.Seed,
            EarlyStoppingPatience = validation.Count > 0 ? Options.EarlyStoppingPatience : null,
        }).Fit(examples, validation.Count > 0 ? EncodeRows(sequencer, validation, tokenInput, Options.MaxSequenceLength) : null, Options.Progress);
        return CreateTransformer(_context, Options.TextColumnName, model, sequencer, names, Options.MaxSequenceLength, result, input, tokenInput);
    }

    internal static void RequireTwoClasses(List<(string Text, int Label)> rows, string labelColumn, string paramName)
    {
        if (rows.Select(r => r.Label).Distinct().Count() < 2)
        {
            throw new ArgumentException($"The label column '{labelColumn}' has only one class in {rows.Count} rows; a classifier needs at least two.", paramName);
        }
    }

    internal static List<SequenceExample> EncodeRows(Text.TextSequencer sequencer, List<(string Text, int Label)> rows, bool tokenInput, int maxLength) =>
        rows.Select(r => SequenceExample.ForClassification(RecurrentTextClassifierEstimator.Encode(sequencer, r.Text, tokenInput, maxLength), r.Label)).ToList();

    // Wraps a trained model into the saveable chain of stock parts.
    internal static RecurrentModelTransformer CreateTransformer(MLContext context, string textColumn, SequenceModel model, Text.TextSequencer sequencer,
        string[] names, int maxLength, TrainingResult? result, IDataView input, bool tokenInput)
    {
        var bundle = new RecurrentModelBundle(model, sequencer, names,
            [new(RecurrentTextClassifierEstimator.MaxLengthKey, maxLength)], [new("task", "multiclass-text-classification")]);
        var chain = Template(context, textColumn, bundle.ToBase64(), names, tokenInput).Fit(input);
        return new RecurrentModelTransformer(chain, bundle, result);
    }

    // Text copy -> model key -> model text -> mapping -> Score = Concatenate(first C class columns) -> PredictedLabel key -> drop helpers.
    private static EstimatorChain<Transforms.ColumnSelectingTransformer> Template(MLContext context, string textColumn, string modelText, string[] names, bool tokenInput)
    {
        var keyData = context.Data.LoadFromEnumerable(names.Select(n => new KeyName { Name = n }));
        var helpers = new List<string> { tokenInput ? RecurrentColumnNames.Tokens : RecurrentColumnNames.Text, RecurrentColumnNames.ModelKey, RecurrentColumnNames.Model, RecurrentColumnNames.PredictedName };
        helpers.AddRange(Enumerable.Range(0, RecurrentMulticlassOutput.MaxClasses).Select(RecurrentMulticlassOutput.ScoreColumn));
        var front = tokenInput
            ? RecurrentChain.WithModel(context, context.Transforms.Conversion.MapKeyToValue(RecurrentColumnNames.Tokens, textColumn), modelText)
                .Append<ITransformer>(context.Transforms.CustomMapping<RecurrentTokensInput, RecurrentMulticlassOutput>(RecurrentMulticlassTokenClassifierFactory.Map, RecurrentMulticlassTokenClassifierFactory.ContractName))
            : RecurrentChain.WithModel(context, context.Transforms.CopyColumns(RecurrentColumnNames.Text, textColumn), modelText)
                .Append<ITransformer>(context.Transforms.CustomMapping<RecurrentTextInput, RecurrentMulticlassOutput>(RecurrentMulticlassTextClassifierFactory.Map, RecurrentMulticlassTextClassifierFactory.ContractName));
        return front
            .Append(context.Transforms.Concatenate("Score", Enumerable.Range(0, names.Length).Select(RecurrentMulticlassOutput.ScoreColumn).ToArray()))
            .Append(context.Transforms.Conversion.MapValueToKey("PredictedLabel", RecurrentColumnNames.PredictedName, keyData: keyData))
            .Append(context.Transforms.DropColumns(helpers.ToArray()));
    }

    // Rows with a missing label (key 0) are skipped; labels are 0-based class indices.
    internal static (List<(string Text, int Label)> Rows, string[] Names) ReadRows(IDataView data, string textColumn, string labelColumn, string paramName)
    {
        bool tokenInput = TokenColumn.IsKeyVector(data.Schema, textColumn);
        var text = ColumnCheck.Require(data.Schema, textColumn, RecurrentTextClassifierEstimator.TextOrTokens, t => tokenInput || t is TextDataViewType, paramName);
        var label = ColumnCheck.Require(data.Schema, labelColumn, KeyLabel, t => t is KeyDataViewType && t.RawType == typeof(uint), paramName);
        ulong count = ((KeyDataViewType)label.Type).Count;
        if (count < 2 || count > RecurrentMulticlassOutput.MaxClasses)
        {
            throw new ArgumentOutOfRangeException(paramName, $"Column '{labelColumn}' has {count} classes; a recurrent multiclass classifier takes 2 to {RecurrentMulticlassOutput.MaxClasses}.");
        }
        int classes = (int)count;
        var names = Enumerable.Range(1, classes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        VBuffer<ReadOnlyMemory<char>> keyValues = default;
        if (label.Annotations.Schema.GetColumnOrNull("KeyValues")?.Type is VectorDataViewType { ItemType: TextDataViewType })
        {
            label.GetKeyValues(ref keyValues);
            var dense = keyValues.DenseValues().ToArray();
            for (int i = 0; i < Math.Min(classes, dense.Length); i++)
            {
                names[i] = dense[i].ToString();
            }
        }
        var rows = new List<(string, int)>();
        if (tokenInput)
        {
            var tokenRows = TokenColumn.ReadTokens(data, textColumn, paramName);
            var keys = data.GetColumn<uint>(label).ToList();
            // Key-vector rows travel as their tokens joined by the token separator.
            rows.AddRange(tokenRows.Zip(keys).Where(p => p.Second != 0).Select(p => (string.Join(TokenColumn.Separator, p.First), (int)p.Second - 1)));
            return (rows, names);
        }
        using var cursor = data.GetRowCursor([text, label]);
        var getText = cursor.GetGetter<ReadOnlyMemory<char>>(text);
        var getLabel = cursor.GetGetter<uint>(label);
        ReadOnlyMemory<char> t = default;
        uint key = 0;
        while (cursor.MoveNext())
        {
            getText(ref t);
            getLabel(ref key);
            if (key != 0)
            {
                rows.Add((t.ToString(), (int)key - 1)); // key 0 is a missing label
            }
        }
        return (rows, names);
    }

    private sealed class KeyName
    {
        public string Name { get; set; } = "";
    }
}
