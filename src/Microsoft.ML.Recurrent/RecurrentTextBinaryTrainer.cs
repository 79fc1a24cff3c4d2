using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.SavedModel;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Text;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Trains a recurrent binary classifier on a text column and a Boolean label. The transformer it returns adds
/// <c>Score</c>, <c>Probability</c> and <c>PredictedLabel</c> (what <c>BinaryClassification.Evaluate</c> reads) and
/// saves as an ordinary ML.NET model made of stock parts (see docs/mlnet.md).
/// </summary>
/// <remarks>
/// Create it with <see cref="RecurrentCatalog.RecurrentTextClassifier(BinaryClassificationCatalog.BinaryClassificationTrainers, string, string, int, int)"/>
/// or, with every option, <see cref="RecurrentCatalog.RecurrentTextClassifier(BinaryClassificationCatalog.BinaryClassificationTrainers, Options)"/>.
/// The text column may also be a key vector of tokens (<c>TokenizeIntoWords</c> + <c>MapValueToKey</c>).
/// <example>
/// <code>
/// var trainer = mlContext.BinaryClassification.Trainers.RecurrentTextClassifier(
///     new RecurrentTextBinaryTrainer.Options { LabelColumnName = "Label", TextColumnName = "Text", HiddenSize = 32, Epochs = 5 });
/// var model = trainer.Fit(trainData);
/// var metrics = mlContext.BinaryClassification.Evaluate(model.Transform(testData));
/// </code>
/// </example>
/// </remarks>
public sealed class RecurrentTextBinaryTrainer : IEstimator<RecurrentModelTransformer>
{
    private readonly MLContext _context;

    /// <summary>
    /// Options of <see cref="RecurrentTextBinaryTrainer"/>: the label column is <see cref="bool"/>. Defaults as stated
    /// on <see cref="RecurrentTextClassificationOptionsBase"/>.
    /// </summary>
    public sealed class Options : RecurrentTextClassificationOptionsBase
    {
    }

    internal RecurrentTextBinaryTrainer(MLContext context, Options options)
    {
        _context = context;
        TrainerOptions = options;
        RecurrentTextClassificationOptionsBase.Check(options);
    }

    internal Options TrainerOptions { get; }

    /// <summary>The schema the fitted transformer produces: the input columns plus Score, Probability and PredictedLabel.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The text or label column is missing or of the wrong type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        CheckColumn(inputSchema, TrainerOptions.TextColumnName, "text (string) or key vector (tokens)",
            c => (c.Kind == SchemaShape.Column.VectorKind.Scalar && c.ItemType is TextDataViewType) || (c.Kind != SchemaShape.Column.VectorKind.Scalar && c.IsKey));
        bool tokens = inputSchema.First(c => c.Name == TrainerOptions.TextColumnName).IsKey;
        // The chain of stock parts the transformer is made of tells the output schema (SchemaShape columns cannot be built directly).
        return SavedModelChain.Create(_context, Layout(TrainerOptions.TextColumnName, tokens, TrainerOptions.OutputAttributions), "").GetOutputSchema(inputSchema);
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
            throw new ArgumentException($"The training data is empty: no rows in columns '{TrainerOptions.TextColumnName}' and '{TrainerOptions.LabelColumnName}'.", nameof(input));
        }
        int positives = rows.Count(r => r.Label);
        if (positives == 0 || positives == rows.Count)
        {
            throw new ArgumentException($"The label column '{TrainerOptions.LabelColumnName}' has only one class ({(positives == 0 ? "false" : "true")}) in {rows.Count} rows; a binary classifier needs both.", nameof(input));
        }
        static List<(string Text, int Label)> Numbered(List<(string Text, bool Label)> data) => data.Select(r => (r.Text, r.Label ? 1 : 0)).ToList();
        var validation = TrainerOptions.ValidationSet is { } validationSet ? Numbered(ReadRows(validationSet, nameof(Options.ValidationSet))) : null;
        bool tokenInput = TokenColumn.IsKeyVector(input.Schema, TrainerOptions.TextColumnName);
        var members = TextClassifierTraining.FitMembers(TrainerOptions, Numbered(rows), validation, tokenInput, 2);
        return CreateTransformer(_context, TrainerOptions.TextColumnName, TextClassifierTraining.ToSave(members, tokenInput, TrainerOptions.MaxSequenceLength),
            TrainerOptions.MaxSequenceLength, members[0].Result, input, tokenInput, TrainerOptions.OutputAttributions);
    }

    internal static List<SequenceExample> EncodeRows(TextSequencer sequencer, List<(string Text, bool Label)> rows, bool tokenInput, int maxLength) =>
        rows.Select(r => new SequenceExample
        {
            Tokens = TextClassifierInput.Encode(sequencer, r.Text, tokenInput, maxLength),
            Characters = TextClassifierInput.Characters(sequencer, r.Text, tokenInput, maxLength),
            Label = r.Label ? 1 : 0,
        }).ToList();

    // Wraps a trained model into the saveable chain of stock parts.
    internal static RecurrentModelTransformer CreateTransformer(MLContext context, string textColumn, SequenceModel model,
        TextSequencer sequencer, int maxLength, TrainingResult? result, IDataView input, bool tokenInput = false, DataProfile? profile = null, bool attributions = false) =>
        SavedModelChain.Fit(context, Layout(textColumn, tokenInput, attributions), model, sequencer, LabelNames, maxLength, result, input,
            profile?.ToNumbers().ToArray() ?? []);

    private static readonly string[] LabelNames = ["False", "True"];

    // Wraps trained members (one model or an ensemble) into the saveable chain of stock parts.
    internal static RecurrentModelTransformer CreateTransformer(MLContext context, string textColumn, IReadOnlyList<TextClassifierTraining.Member> members,
        int maxLength, TrainingResult? result, IDataView input, bool tokenInput, bool attributions = false) =>
        TextClassifierTraining.CreateTransformer(context, Layout(textColumn, tokenInput, attributions), members, LabelNames, maxLength, result, input);

    private static SavedModelLayout Layout(string textColumn, bool tokenInput, bool attributions) =>
        new(SavedModelTask.BinaryClassification, textColumn) { TokenKeys = tokenInput, Attributions = attributions };

    private List<(string Text, bool Label)> ReadRows(IDataView data, string paramName) =>
        ReadRows(data, TrainerOptions.TextColumnName, TrainerOptions.LabelColumnName, paramName);

    internal static List<(string Text, bool Label)> ReadRows(IDataView data, string textColumn, string labelColumn, string paramName)
    {
        if (TokenColumn.IsKeyVector(data.Schema, textColumn))
        {
            var label2 = ColumnCheck.Require(data.Schema, labelColumn, "Boolean", t => t is BooleanDataViewType, paramName);
            return TokenColumn.Read(data, textColumn, label2, paramName).Select(r => (TokenColumn.Join(r.Tokens), r.Label)).ToList();
        }
        var text = ColumnCheck.Require(data.Schema, textColumn, TextClassifierInput.TextOrTokens, t => t is TextDataViewType, paramName);
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
