using Microsoft.ML.Recurrent.SavedModel;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Turns a text column into a fixed-size vector for any downstream ML.NET trainer: a recurrent language model is
/// trained on the column's texts (self-supervised, <see cref="RecurrentLanguageModelEstimator.Options"/>), and each
/// row's features are its final hidden state after reading the text, zero-padded to the smallest size in
/// <see cref="RecurrentFeatureSizes"/> (16 to 1024) that holds it.
/// </summary>
/// <remarks>
/// Create it with <see cref="RecurrentTextCatalog.RecurrentFeaturizer(TransformsCatalog.TextTransforms, string, string, int, int)"/>
/// or, with every option of its language model,
/// <see cref="RecurrentTextCatalog.RecurrentFeaturizer(TransformsCatalog.TextTransforms, string, RecurrentLanguageModelEstimator.Options)"/>.
/// <example>
/// <code>
/// var pipeline = mlContext.Transforms.Text.RecurrentFeaturizer(outputColumnName: "Features", textColumnName: "Text")
///     .Append(mlContext.BinaryClassification.Trainers.SdcaLogisticRegression());
/// var model = pipeline.Fit(trainData);
/// </code>
/// </example>
/// </remarks>
public sealed class RecurrentTextFeaturizingEstimator : IEstimator<RecurrentModelTransformer>
{
    private readonly MLContext _context;
    private readonly RecurrentLanguageModelEstimator _languageModel;

    internal RecurrentTextFeaturizingEstimator(MLContext context, string outputColumnName, RecurrentLanguageModelEstimator.Options options)
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
        return SavedModelChain.Create(_context, Layout, "").GetOutputSchema(inputSchema);
    }

    /// <summary>Trains the language model on the texts and returns the featurizing transformer.</summary>
    public RecurrentModelTransformer Fit(IDataView input)
    {
        var trained = _languageModel.Fit(input);
        return SavedModelChain.Fit(_context, Layout, trained.Model, trained.TrainingResult, input);
    }

    private SavedModelLayout Layout => new(SavedModelTask.TextFeaturizing, _languageModel.TrainerOptions.TextColumnName)
    {
        FeatureSize = FeatureSize, OutputColumn = OutputColumnName,
    };
}
