using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.SavedModel;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// A trained recurrent model (text classifier or series regressor). It is a facade over a chain of stock ML.NET transforms, and saves exactly
/// as that chain: <c>mlContext.Model.Load</c> gives back a <c>TransformerChain</c> that predicts the same, in any
/// app that references ML.NET and this assembly. Thread-safe.
/// </summary>
/// <remarks>
/// A loaded model's embedded model file is validated at its first prediction, not at <c>Model.Load</c> (ML.NET gives a
/// plugin no hook at load time): a file with out-of-range stored numbers, or a model that does not fit the task's step
/// (task, outputs, input, vocabulary), is refused then with an <see cref="InvalidDataException"/> (ML.NET may wrap it;
/// see the inner exception). The check runs once per loaded model.
/// </remarks>
public sealed class RecurrentModelTransformer : ITransformer
{
    private readonly ITransformer _chain;
    private readonly SavedModelLayout _layout;

    // A model with no training record of its own (an experiment's best trial kept without a refit) gets an empty history.
    internal RecurrentModelTransformer(ITransformer chain, SavedModelLayout layout, IReadOnlyList<RecurrentModelFile> members, TrainingResult? training)
    {
        _chain = chain;
        _layout = layout;
        Members = members.ToArray().AsReadOnly();
        TrainingResult = training ?? new TrainingResult { History = [] };
    }

    /// <summary>
    /// The trained model with its vocabulary (save it on its own with <see cref="RecurrentModelFile.Save(string)"/>). Of an
    /// ensemble (<see cref="RecurrentTextClassificationOptionsBase.EnsembleSize"/>), its first member: the transformer
    /// predicts the mean of all <see cref="Members"/>' probabilities.
    /// </summary>
    public RecurrentModelFile Model => Members[0];

    /// <summary>
    /// The models the transformer predicts with: one, or the members of an ensemble of text classifiers, whose
    /// probabilities it averages (each member has its own vocabulary and weights).
    /// </summary>
    public IReadOnlyList<RecurrentModelFile> Members { get; }

    /// <summary>How training went: per-epoch losses and validation figures (of an ensemble, its first member's training).</summary>
    public TrainingResult TrainingResult { get; }

    /// <summary>A text generator over this model (language models only).</summary>
    /// <exception cref="ArgumentException">The model is not a text language model.</exception>
    public Generation.TextGenerator CreateGenerator() => RecurrentModels.CreateGenerator(this);

    /// <summary>
    /// Checks new data (its input column as the model reads it) against the model's training data: see
    /// <see cref="RecurrentModels.CheckDrift"/>.
    /// </summary>
    /// <param name="data">The new data, with the column the model was trained on.</param>
    /// <param name="thresholds">When to warn; null for the defaults.</param>
    /// <returns>One metric per question, with its status.</returns>
    /// <exception cref="ArgumentException">The data has no rows.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or of another type.</exception>
    public Explainability.DriftReport CheckDrift(IDataView data, Explainability.DriftThresholds? thresholds = null) =>
        RecurrentDrift.Check(this, data, _layout.InputColumn, thresholds);

    /// <inheritdoc/>
    public bool IsRowToRowMapper => _chain.IsRowToRowMapper;

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or of a type the model cannot read.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _chain.GetOutputSchema(CheckInput(inputSchema, nameof(inputSchema)));

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or of a type the model cannot read.</exception>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _chain.GetRowToRowMapper(CheckInput(inputSchema, nameof(inputSchema)));

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or of a type the model cannot read.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckInput(input.Schema, nameof(input));
        return _chain.Transform(input);
    }

    // The chain copies the input to a helper column first, so its own error would name the helper: name the user's column.
    private DataViewSchema CheckInput(DataViewSchema schema, string paramName)
    {
        ArgumentNullException.ThrowIfNull(schema, paramName);
        ColumnCheck.Require(schema, _layout.InputColumn, _layout.ExpectedInput, _layout.Accepts, paramName);
        return schema;
    }

    /// <inheritdoc/>
    void ICanSaveModel.Save(ModelSaveContext ctx) => _chain.Save(ctx);
}
