namespace Microsoft.ML.Recurrent;

/// <summary>
/// Where ML.NET users find the recurrent text transforms on <c>mlContext.Transforms.Text</c>: the language model, the
/// sequence tagger, the featurizer and the sequence-to-sequence transform, each with a simple overload and an <c>Options</c> overload side by side.
/// </summary>
/// <remarks>
/// Like the trainers (<see cref="RecurrentCatalog"/>), each builds its saved model's stock parts in an
/// <see cref="MLContext"/> of its own, seeded with the options' seed.
/// </remarks>
public static class RecurrentTextCatalog
{
    /// <summary>A recurrent next-token language model over a text column (characters, LSTM 128 by default).</summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="textColumnName">The text column.</param>
    /// <param name="epochs">Training epochs.</param>
    /// <param name="seed">Seed of the weights and the shuffling.</param>
    /// <remarks>
    /// Adds PredictedToken, Probability and NextTokenProbabilities, and generates text through
    /// <see cref="RecurrentModelTransformer.CreateGenerator"/> or, on a loaded model,
    /// <see cref="RecurrentModels.CreateGenerator(ITransformer)"/>.
    /// <example>
    /// <code>
    /// var lm = mlContext.Transforms.Text.RecurrentLanguageModel(textColumnName: "Text", epochs: 20).Fit(data);
    /// string text = lm.CreateGenerator().Generate("Once upon", new GenerationOptions { MaxLength = 200, Seed = 1 });
    /// </code>
    /// </example>
    /// </remarks>
    public static RecurrentLanguageModelEstimator RecurrentLanguageModel(this TransformsCatalog.TextTransforms catalog,
        string textColumnName = RecurrentDefaults.TextColumnName, int epochs = RecurrentDefaults.LanguageModel.Epochs, int seed = RecurrentDefaults.Seed) =>
        catalog.RecurrentLanguageModel(new RecurrentLanguageModelEstimator.Options { TextColumnName = textColumnName, Epochs = epochs, Seed = seed });

    /// <summary>A recurrent next-token language model with every option.</summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="options">The options.</param>
    /// <remarks>
    /// <example>
    /// <code>
    /// var estimator = mlContext.Transforms.Text.RecurrentLanguageModel(
    ///     new RecurrentLanguageModelEstimator.Options { WordTokens = true, HiddenSize = 256, NumLayers = 2, Dropout = 0.2f });
    /// </code>
    /// </example>
    /// </remarks>
    public static RecurrentLanguageModelEstimator RecurrentLanguageModel(this TransformsCatalog.TextTransforms catalog, RecurrentLanguageModelEstimator.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new RecurrentLanguageModelEstimator(new MLContext(options.Seed), options);
    }

    /// <summary>A bidirectional recurrent sequence tagger: text-vector tokens and tags in, PredictedTags out.</summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="tokensColumnName">The tokens column (vector of text).</param>
    /// <param name="labelColumnName">The tags column (vector of text, one per token).</param>
    /// <param name="epochs">Training epochs.</param>
    /// <param name="seed">Seed of the weights and the shuffling.</param>
    /// <remarks>
    /// <example>
    /// <code>
    /// var tagger = mlContext.Transforms.Text.RecurrentTagger(tokensColumnName: "Words", labelColumnName: "Tags").Fit(sentences);
    /// </code>
    /// </example>
    /// </remarks>
    public static RecurrentSequenceTaggingEstimator RecurrentTagger(this TransformsCatalog.TextTransforms catalog,
        string tokensColumnName = RecurrentDefaults.TokensColumnName, string labelColumnName = RecurrentDefaults.LabelColumnName,
        int epochs = RecurrentDefaults.SequenceTagging.Epochs, int seed = RecurrentDefaults.Seed) =>
        catalog.RecurrentTagger(new RecurrentSequenceTaggingEstimator.Options
        {
            TokensColumnName = tokensColumnName, LabelColumnName = labelColumnName, Epochs = epochs, Seed = seed,
        });

    /// <summary>A bidirectional recurrent sequence tagger with every option.</summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="options">The options.</param>
    /// <remarks>
    /// <example>
    /// <code>
    /// var estimator = mlContext.Transforms.Text.RecurrentTagger(
    ///     new RecurrentSequenceTaggingEstimator.Options { TokensColumnName = "Words", LabelColumnName = "Tags", MinTokenCount = 1, HiddenSize = 128 });
    /// </code>
    /// </example>
    /// </remarks>
    public static RecurrentSequenceTaggingEstimator RecurrentTagger(this TransformsCatalog.TextTransforms catalog, RecurrentSequenceTaggingEstimator.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new RecurrentSequenceTaggingEstimator(new MLContext(options.Seed), options);
    }

    /// <summary>
    /// A featurizer that turns a text column into a fixed-size vector (the final state of a recurrent language model
    /// trained on the column) for any downstream trainer.
    /// </summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="outputColumnName">The feature-vector column to add.</param>
    /// <param name="textColumnName">The text column.</param>
    /// <param name="epochs">Training epochs of the language model.</param>
    /// <param name="seed">Seed of the weights and the shuffling.</param>
    /// <remarks>
    /// <example>
    /// <code>
    /// var pipeline = mlContext.Transforms.Text.RecurrentFeaturizer("Features", "Text")
    ///     .Append(mlContext.BinaryClassification.Trainers.SdcaLogisticRegression());
    /// </code>
    /// </example>
    /// </remarks>
    public static RecurrentTextFeaturizingEstimator RecurrentFeaturizer(this TransformsCatalog.TextTransforms catalog,
        string outputColumnName = RecurrentDefaults.FeatureColumnName, string textColumnName = RecurrentDefaults.TextColumnName,
        int epochs = RecurrentDefaults.LanguageModel.Epochs, int seed = RecurrentDefaults.Seed) =>
        catalog.RecurrentFeaturizer(outputColumnName, new RecurrentLanguageModelEstimator.Options { TextColumnName = textColumnName, Epochs = epochs, Seed = seed });

    /// <summary>A recurrent text featurizer with every option of its language model.</summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="outputColumnName">The feature-vector column to add.</param>
    /// <param name="options">The language model's options (its hidden size sets the feature size).</param>
    /// <remarks>
    /// <example>
    /// <code>
    /// var featurizer = mlContext.Transforms.Text.RecurrentFeaturizer("Features",
    ///     new RecurrentLanguageModelEstimator.Options { TextColumnName = "Review", HiddenSize = 64, Epochs = 5 });
    /// </code>
    /// </example>
    /// </remarks>
    public static RecurrentTextFeaturizingEstimator RecurrentFeaturizer(this TransformsCatalog.TextTransforms catalog, string outputColumnName,
        RecurrentLanguageModelEstimator.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new RecurrentTextFeaturizingEstimator(new MLContext(options.Seed), outputColumnName, options);
    }

    /// <summary>
    /// An attention encoder–decoder that maps a text column to a predicted text column, character tokens on both sides
    /// (see <see cref="RecurrentSequenceToSequenceEstimator.Options"/> for word tokens, sizes and decoding).
    /// </summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="outputColumnName">The predicted text column to add.</param>
    /// <param name="inputColumnName">The source text column.</param>
    /// <param name="labelColumnName">The target text column (training only).</param>
    /// <param name="epochs">Training epochs.</param>
    /// <param name="seed">Seed of the initial weights and the batch order.</param>
    /// <remarks>
    /// <example>
    /// <code>
    /// var speller = mlContext.Transforms.Text.RecurrentSequenceToSequence(inputColumnName: "Misspelled", labelColumnName: "Correct").Fit(pairs);
    /// </code>
    /// </example>
    /// </remarks>
    public static RecurrentSequenceToSequenceEstimator RecurrentSequenceToSequence(this TransformsCatalog.TextTransforms catalog,
        string outputColumnName = RecurrentDefaults.SequenceToSequence.OutputColumnName, string inputColumnName = RecurrentDefaults.TextColumnName,
        string labelColumnName = RecurrentDefaults.LabelColumnName, int epochs = RecurrentDefaults.SequenceToSequence.Epochs, int seed = RecurrentDefaults.Seed) =>
        catalog.RecurrentSequenceToSequence(new RecurrentSequenceToSequenceEstimator.Options
        {
            OutputColumnName = outputColumnName, InputColumnName = inputColumnName, LabelColumnName = labelColumnName, Epochs = epochs, Seed = seed,
        });

    /// <summary>An attention encoder–decoder from a text column to a text column, with every option.</summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="options">The options.</param>
    /// <remarks>
    /// <example>
    /// <code>
    /// var g2p = mlContext.Transforms.Text.RecurrentSequenceToSequence(new RecurrentSequenceToSequenceEstimator.Options
    /// {
    ///     TargetTokens = TokenizerKind.Word, HiddenSize = 256, BeamWidth = 5, AttentionColumnName = "Attention",
    /// });
    /// </code>
    /// </example>
    /// </remarks>
    public static RecurrentSequenceToSequenceEstimator RecurrentSequenceToSequence(this TransformsCatalog.TextTransforms catalog, RecurrentSequenceToSequenceEstimator.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new RecurrentSequenceToSequenceEstimator(new MLContext(options.Seed), options);
    }
}
