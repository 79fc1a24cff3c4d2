using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Seq2Seq;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// A trained sequence-to-sequence transform. It is a facade over a chain of stock ML.NET transforms and saves exactly as
/// that chain: <c>mlContext.Model.Load</c> gives back a <c>TransformerChain</c> that predicts the same, in any app that
/// references ML.NET and this assembly. Thread-safe.
/// </summary>
/// <remarks>
/// A loaded model's embedded model is validated at its first prediction (ML.NET gives a plugin no hook at load time);
/// an invalid one is refused then with an <see cref="InvalidDataException"/> (ML.NET may wrap it).
/// </remarks>
public sealed class RecurrentSequenceToSequenceTransformer : ITransformer
{
    private readonly ITransformer _chain;
    private readonly string _inputColumn;

    internal RecurrentSequenceToSequenceTransformer(ITransformer chain, string inputColumn, Seq2SeqModel model, TrainingResult training)
    {
        _chain = chain;
        _inputColumn = inputColumn;
        Model = model;
        TrainingResult = training;
    }

    /// <summary>The trained model with its vocabularies (save it on its own with <see cref="Seq2SeqModel.Save(string)"/>).</summary>
    public Seq2SeqModel Model { get; }

    /// <summary>How training went: per-epoch losses and validation figures.</summary>
    public TrainingResult TrainingResult { get; }

    /// <inheritdoc/>
    public bool IsRowToRowMapper => _chain.IsRowToRowMapper;

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or not text.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _chain.GetOutputSchema(CheckInput(inputSchema, nameof(inputSchema)));

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or not text.</exception>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _chain.GetRowToRowMapper(CheckInput(inputSchema, nameof(inputSchema)));

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or not text.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckInput(input.Schema, nameof(input));
        return _chain.Transform(input);
    }

    private DataViewSchema CheckInput(DataViewSchema schema, string paramName)
    {
        ArgumentNullException.ThrowIfNull(schema, paramName);
        ColumnCheck.Require(schema, _inputColumn, "a text (string) column", t => t is TextDataViewType, paramName);
        return schema;
    }

    /// <inheritdoc/>
    void ICanSaveModel.Save(ModelSaveContext ctx) => _chain.Save(ctx);
}
