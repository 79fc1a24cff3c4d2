using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// A trained recurrent model (text classifier or series regressor). It is a facade over a chain of stock ML.NET transforms, and saves exactly
/// as that chain: <c>mlContext.Model.Load</c> gives back a <c>TransformerChain</c> that predicts the same, in any
/// app that references ML.NET and this assembly. Thread-safe.
/// </summary>
public sealed class RecurrentModelTransformer : ITransformer
{
    private readonly ITransformer _chain;

    // A model with no training record of its own (an experiment's best trial kept without a refit) gets an empty history.
    internal RecurrentModelTransformer(ITransformer chain, RecurrentModelFile bundle, TrainingResult? training)
    {
        _chain = chain;
        Model = bundle;
        TrainingResult = training ?? new TrainingResult { History = [] };
    }

    /// <summary>The trained model with its vocabulary (save it on its own with <see cref="RecurrentModelFile.Save(string)"/>).</summary>
    public RecurrentModelFile Model { get; }

    /// <summary>How training went: per-epoch losses and validation figures.</summary>
    public TrainingResult TrainingResult { get; }

    /// <summary>A text generator over this model (language models only).</summary>
    /// <exception cref="ArgumentException">The model is not a text language model.</exception>
    public Generation.TextGenerator CreateGenerator() => RecurrentModels.CreateGenerator(this);

    /// <inheritdoc/>
    public bool IsRowToRowMapper => _chain.IsRowToRowMapper;

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _chain.GetOutputSchema(inputSchema);

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _chain.GetRowToRowMapper(inputSchema);

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) => _chain.Transform(input);

    /// <inheritdoc/>
    void ICanSaveModel.Save(ModelSaveContext ctx) => _chain.Save(ctx);
}
