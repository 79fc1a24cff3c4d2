using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.SavedModel;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Trains a recurrent multiclass classifier on a text column and a key-typed label (made with
/// <c>Conversion.MapValueToKey</c>, 2 to <see cref="MaxClasses"/> classes). The transformer adds a known-size
/// <c>Score</c> vector (class probabilities in key order) and a key-typed <c>PredictedLabel</c> with the label's names,
/// which <c>MulticlassClassification.Evaluate</c> and <c>MapKeyToValue</c> read, before and after a save/load.
/// </summary>
/// <remarks>
/// Create it with <see cref="RecurrentCatalog.RecurrentTextClassifier(MulticlassClassificationCatalog.MulticlassClassificationTrainers, string, string, int, int)"/>
/// or, with every option, <see cref="RecurrentCatalog.RecurrentTextClassifier(MulticlassClassificationCatalog.MulticlassClassificationTrainers, Options)"/>.
/// <example>
/// <code>
/// var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label", "Topic")
///     .Append(mlContext.MulticlassClassification.Trainers.RecurrentTextClassifier(labelColumnName: "Label", textColumnName: "Text"))
///     .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedTopic", "PredictedLabel"));
/// var model = pipeline.Fit(trainData);
/// var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(testData));
/// </code>
/// </example>
/// </remarks>
public sealed class RecurrentTextMulticlassTrainer : IEstimator<RecurrentModelTransformer>
{
    /// <summary>The largest number of classes the classifier takes (a saved model has one score column per class).</summary>
    public const int MaxClasses = 64;

    internal const string KeyLabel = "a key (UInt32) label made with Conversion.MapValueToKey";
    private readonly MLContext _context;

    /// <summary>
    /// Options of <see cref="RecurrentTextMulticlassTrainer"/>: the label column is a key (2 to <see cref="MaxClasses"/>
    /// classes). Defaults as stated on <see cref="RecurrentTextClassificationOptionsBase"/>.
    /// </summary>
    public sealed class Options : RecurrentTextClassificationOptionsBase
    {
    }

    internal RecurrentTextMulticlassTrainer(MLContext context, Options options)
    {
        _context = context;
        TrainerOptions = options;
        RecurrentTextClassificationOptionsBase.Check(options);
    }

    internal Options TrainerOptions { get; }

    /// <summary>The schema the fitted transformer produces: the input columns plus Score and PredictedLabel.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The text or label column is missing or of the wrong type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var text = inputSchema.FirstOrDefault(c => c.Name == TrainerOptions.TextColumnName);
        bool tokens = text.Name is not null && text.IsKey && text.Kind != SchemaShape.Column.VectorKind.Scalar;
        if (!tokens && (text.Name is null || text.Kind != SchemaShape.Column.VectorKind.Scalar || text.ItemType is not TextDataViewType))
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{TrainerOptions.TextColumnName}' {(text.Name is null ? "was not found" : $"has type {text.ItemType}")}; expected {TextClassifierInput.TextOrTokens}.");
        }
        var label = inputSchema.FirstOrDefault(c => c.Name == TrainerOptions.LabelColumnName);
        if (label.Name is null || !label.IsKey || label.Kind != SchemaShape.Column.VectorKind.Scalar)
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Column '{TrainerOptions.LabelColumnName}' {(label.Name is null ? "was not found" : $"has type {label.ItemType}{(label.IsKey ? " key vector" : "")}")}; expected {KeyLabel}.");
        }
        // A schema shape does not carry the key count; the shape of the output is the same for any count.
        return SavedModelChain.Create(_context, Layout(TrainerOptions.TextColumnName, tokens, ["0", "1"]), "").GetOutputSchema(inputSchema);
    }

    /// <summary>Reads the data, trains the model, and returns a transformer that predicts with it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type, or there are more than 64 classes.</exception>
    /// <exception cref="ArgumentException">The training data is empty or has only one class.</exception>
    public RecurrentModelTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (rows, names) = ReadRows(input, TrainerOptions.TextColumnName, TrainerOptions.LabelColumnName, nameof(input));
        if (rows.Count == 0)
        {
            throw new ArgumentException($"The training data is empty: no rows with a label in column '{TrainerOptions.LabelColumnName}'.", nameof(input));
        }
        RequireTwoClasses(rows, TrainerOptions.LabelColumnName, nameof(input));
        List<(string Text, int Label)>? validation = null;
        if (TrainerOptions.ValidationSet is { } validationSet)
        {
            var (held, heldNames) = ReadRows(validationSet, TrainerOptions.TextColumnName, TrainerOptions.LabelColumnName, nameof(Options.ValidationSet));
            if (!heldNames.SequenceEqual(names))
            {
                throw new ArgumentException($"The validation set's label column '{TrainerOptions.LabelColumnName}' has the classes [{string.Join(", ", heldNames)}]; "
                    + $"it must have the training data's [{string.Join(", ", names)}] in the same key order (map both with one MapValueToKey transformer).", nameof(input));
            }
            validation = held;
        }
        bool tokenInput = TokenColumn.IsKeyVector(input.Schema, TrainerOptions.TextColumnName);
        var members = TextClassifierTraining.FitMembers(TrainerOptions, rows, validation, tokenInput, names.Length);
        return CreateTransformer(_context, TrainerOptions.TextColumnName, TextClassifierTraining.ToSave(members, tokenInput, TrainerOptions.MaxSequenceLength),
            names, TrainerOptions.MaxSequenceLength, members[0].Result, input, tokenInput, TrainerOptions.OutputAttributions);
    }

    internal static void RequireTwoClasses(List<(string Text, int Label)> rows, string labelColumn, string paramName)
    {
        if (rows.Select(r => r.Label).Distinct().Count() < 2)
        {
            throw new ArgumentException($"The label column '{labelColumn}' has only one class in {rows.Count} rows; a classifier needs at least two.", paramName);
        }
    }

    internal static List<SequenceExample> EncodeRows(Text.TextSequencer sequencer, List<(string Text, int Label)> rows, bool tokenInput, int maxLength) =>
        rows.Select(r => new SequenceExample
        {
            Tokens = TextClassifierInput.Encode(sequencer, r.Text, tokenInput, maxLength),
            Characters = TextClassifierInput.Characters(sequencer, r.Text, tokenInput, maxLength),
            Label = r.Label,
        }).ToList();

    // Wraps a trained model into the saveable chain of stock parts.
    internal static RecurrentModelTransformer CreateTransformer(MLContext context, string textColumn, SequenceModel model, Text.TextSequencer sequencer,
        string[] names, int maxLength, TrainingResult? result, IDataView input, bool tokenInput, Serialization.DataProfile? profile = null, bool attributions = false) =>
        SavedModelChain.Fit(context, Layout(textColumn, tokenInput, names, attributions), model, sequencer, names, maxLength, result, input,
            profile?.ToNumbers().ToArray() ?? []);

    // Wraps trained members (one model or an ensemble) into the saveable chain of stock parts.
    internal static RecurrentModelTransformer CreateTransformer(MLContext context, string textColumn, IReadOnlyList<TextClassifierTraining.Member> members,
        string[] names, int maxLength, TrainingResult? result, IDataView input, bool tokenInput, bool attributions = false) =>
        TextClassifierTraining.CreateTransformer(context, Layout(textColumn, tokenInput, names, attributions), members, names, maxLength, result, input);

    private static SavedModelLayout Layout(string textColumn, bool tokenInput, string[] names, bool attributions = false) =>
        new(SavedModelTask.MulticlassClassification, textColumn) { TokenKeys = tokenInput, ClassNames = names, Attributions = attributions };

    // Rows with a missing label (key 0) are skipped; labels are 0-based class indices.
    internal static (List<(string Text, int Label)> Rows, string[] Names) ReadRows(IDataView data, string textColumn, string labelColumn, string paramName)
    {
        bool tokenInput = TokenColumn.IsKeyVector(data.Schema, textColumn);
        var text = ColumnCheck.Require(data.Schema, textColumn, TextClassifierInput.TextOrTokens, t => tokenInput || t is TextDataViewType, paramName);
        var label = ColumnCheck.Require(data.Schema, labelColumn, KeyLabel, t => t is KeyDataViewType && t.RawType == typeof(uint), paramName);
        ulong count = ((KeyDataViewType)label.Type).Count;
        if (count < 2 && !HasRows(data))
        {
            // MapValueToKey fitted on no rows still makes a key type of one value: say what is actually wrong.
            throw new ArgumentException($"The training data is empty: no rows with a label in column '{labelColumn}'.", paramName);
        }
        if (count < 2 || count > MaxClasses)
        {
            throw new ArgumentOutOfRangeException(paramName, $"Column '{labelColumn}' has {count} classes; a recurrent multiclass classifier takes 2 to {MaxClasses}.");
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
            // Key-vector rows travel as their tokens joined (and escaped) by TokenColumn.Join.
            rows.AddRange(tokenRows.Zip(keys).Where(p => p.Second != 0).Select(p => (TokenColumn.Join(p.First), (int)p.Second - 1)));
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

    private static bool HasRows(IDataView data)
    {
        using var cursor = data.GetRowCursor([]);
        return cursor.MoveNext();
    }
}
