namespace Microsoft.ML.Recurrent;

/// <summary>
/// Turns a text column into a fixed-size vector for any downstream ML.NET trainer: a recurrent language model is
/// trained on the column's texts (self-supervised, <see cref="RecurrentLanguageModelOptions"/>), and each row's
/// features are its final hidden state after reading the text, zero-padded to the smallest size in
/// <see cref="RecurrentFeatureSizes"/> (16 to 1024) that holds it.
/// </summary>
public sealed class RecurrentFeaturizerEstimator : IEstimator<RecurrentModelTransformer>
{
    private readonly MLContext _context;
    private readonly RecurrentLanguageModelEstimator _languageModel;

    internal RecurrentFeaturizerEstimator(MLContext context, string outputColumnName, RecurrentLanguageModelOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        _context = context;
        OutputColumnName = outputColumnName;
        _languageModel = new RecurrentLanguageModelEstimator(context, options);
        FeatureSize = RecurrentFeatureSizes.For(options.HiddenSize);
    }

    /// <summary>The output column (a vector of <see cref="FeatureSize"/> Single values).</summary>
    public string OutputColumnName { get; }

    /// <summary>The size of the output vector.</summary>
    public int FeatureSize { get; }

    /// <summary>The input columns plus the feature vector.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        _languageModel.GetOutputSchema(inputSchema); // validates the text column
        return Template(_context, _languageModel.Options.TextColumnName, "", FeatureSize, OutputColumnName).GetOutputSchema(inputSchema);
    }

    /// <summary>Trains the language model on the texts and returns the featurizing transformer.</summary>
    public RecurrentModelTransformer Fit(IDataView input)
    {
        var trained = _languageModel.Fit(input);
        var chain = Template(_context, _languageModel.Options.TextColumnName, trained.Model.ToBase64(), FeatureSize, OutputColumnName).Fit(input);
        return new RecurrentModelTransformer(chain, trained.Model, trained.TrainingResult);
    }

    private static Data.EstimatorChain<Transforms.ColumnSelectingTransformer> Template(MLContext context, string textColumn, string modelText, int size, string output) =>
        RecurrentChain.WithModel(context, context.Transforms.CopyColumns(RecurrentColumnNames.Text, textColumn), modelText)
            .Append(RecurrentFeatureSizes.Mapping(context, size))
            .Append(context.Transforms.CopyColumns(output, RecurrentColumnNames.Features))
            .Append(context.Transforms.DropColumns(RecurrentColumnNames.Text, RecurrentColumnNames.ModelKey, RecurrentColumnNames.Model, RecurrentColumnNames.Features));
}
