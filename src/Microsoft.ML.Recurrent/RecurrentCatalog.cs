namespace Microsoft.ML.Recurrent;

/// <summary>
/// Where ML.NET users find the recurrent trainers: on the binary-classification, multiclass-classification and
/// regression trainer catalogs, each with a simple overload and an <c>Options</c> overload side by side (the text
/// transforms are on <see cref="RecurrentTextCatalog"/>, the experiments on <see cref="RecurrentExperimentCatalog"/>).
/// </summary>
/// <remarks>
/// ML.NET keeps a catalog's host environment internal, so each trainer builds the stock parts its saved model is made
/// of in an <see cref="MLContext"/> of its own, seeded with the options' seed; their state carries neither. Defaults
/// of the simple overloads are those of the <c>Options</c> classes.
/// </remarks>
public static class RecurrentCatalog
{
    /// <summary>A recurrent (bidirectional LSTM by default) binary classifier reading a text column and a Boolean label.</summary>
    /// <param name="catalog">The binary-classification trainers catalog.</param>
    /// <param name="labelColumnName">The Boolean label column.</param>
    /// <param name="textColumnName">The text column (tokenized into words inside the model), or a key vector of tokens.</param>
    /// <param name="epochs">Training epochs.</param>
    /// <param name="seed">Seed of the weights and the shuffling.</param>
    /// <remarks>
    /// <example>
    /// <code>
    /// var model = mlContext.BinaryClassification.Trainers.RecurrentTextClassifier(labelColumnName: "Label", textColumnName: "Text").Fit(trainData);
    /// var metrics = mlContext.BinaryClassification.Evaluate(model.Transform(testData));
    /// </code>
    /// </example>
    /// </remarks>
    public static RecurrentTextBinaryTrainer RecurrentTextClassifier(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        string labelColumnName = RecurrentDefaults.LabelColumnName, string textColumnName = RecurrentDefaults.TextColumnName,
        int epochs = RecurrentDefaults.TextClassification.Epochs, int seed = RecurrentDefaults.Seed) =>
        catalog.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options
        {
            LabelColumnName = labelColumnName, TextColumnName = textColumnName, Epochs = epochs, Seed = seed,
        });

    /// <summary>A recurrent binary classifier reading a text column and a Boolean label, with every option.</summary>
    /// <param name="catalog">The binary-classification trainers catalog.</param>
    /// <param name="options">The options.</param>
    /// <remarks>
    /// <example>
    /// <code>
    /// var trainer = mlContext.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options
    /// {
    ///     Cell = RecurrentCellKind.Gru, HiddenSize = 32, Epochs = 5, ValidationFraction = 0.1, EarlyStoppingPatience = 2,
    /// });
    /// </code>
    /// </example>
    /// </remarks>
    public static RecurrentTextBinaryTrainer RecurrentTextClassifier(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        RecurrentTextBinaryTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new RecurrentTextBinaryTrainer(new MLContext(options.Seed), options);
    }

    /// <summary>
    /// A recurrent multiclass classifier reading a text column and a key label (from <c>Conversion.MapValueToKey</c>),
    /// 2 to <see cref="RecurrentTextMulticlassTrainer.MaxClasses"/> classes.
    /// </summary>
    /// <param name="catalog">The multiclass-classification trainers catalog.</param>
    /// <param name="labelColumnName">The key-typed label column.</param>
    /// <param name="textColumnName">The text column, or a key vector of tokens.</param>
    /// <param name="epochs">Training epochs.</param>
    /// <param name="seed">Seed of the weights and the shuffling.</param>
    /// <remarks>
    /// <example>
    /// <code>
    /// var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label", "Topic")
    ///     .Append(mlContext.MulticlassClassification.Trainers.RecurrentTextClassifier(labelColumnName: "Label", textColumnName: "Text"));
    /// </code>
    /// </example>
    /// </remarks>
    public static RecurrentTextMulticlassTrainer RecurrentTextClassifier(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = RecurrentDefaults.LabelColumnName, string textColumnName = RecurrentDefaults.TextColumnName,
        int epochs = RecurrentDefaults.TextClassification.Epochs, int seed = RecurrentDefaults.Seed) =>
        catalog.RecurrentTextClassifier(new RecurrentTextMulticlassTrainer.Options
        {
            LabelColumnName = labelColumnName, TextColumnName = textColumnName, Epochs = epochs, Seed = seed,
        });

    /// <summary>A recurrent multiclass text classifier with every option.</summary>
    /// <param name="catalog">The multiclass-classification trainers catalog.</param>
    /// <param name="options">The options; the label column must be a key column.</param>
    /// <remarks>
    /// <example>
    /// <code>
    /// var trainer = mlContext.MulticlassClassification.Trainers.RecurrentTextClassifier(
    ///     new RecurrentTextMulticlassTrainer.Options { WordTokens = false, MaxSequenceLength = 400, Epochs = 8 });
    /// </code>
    /// </example>
    /// </remarks>
    public static RecurrentTextMulticlassTrainer RecurrentTextClassifier(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        RecurrentTextMulticlassTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new RecurrentTextMulticlassTrainer(new MLContext(options.Seed), options);
    }

    /// <summary>
    /// A recurrent (GRU by default) regressor / one-step forecaster reading a float-vector series column and a float label.
    /// </summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="labelColumnName">The Single label column.</param>
    /// <param name="featureColumnName">The series column (vector of Single, oldest first).</param>
    /// <param name="epochs">Training epochs.</param>
    /// <param name="seed">Seed of the weights and the shuffling.</param>
    /// <remarks>
    /// <example>
    /// <code>
    /// var model = mlContext.Regression.Trainers.RecurrentSeriesRegressor(labelColumnName: "Next", featureColumnName: "Window").Fit(windows);
    /// </code>
    /// </example>
    /// </remarks>
    public static RecurrentSeriesRegressionTrainer RecurrentSeriesRegressor(this RegressionCatalog.RegressionTrainers catalog,
        string labelColumnName = RecurrentDefaults.LabelColumnName, string featureColumnName = RecurrentDefaults.FeatureColumnName,
        int epochs = RecurrentDefaults.SeriesRegression.Epochs, int seed = RecurrentDefaults.Seed) =>
        catalog.RecurrentSeriesRegressor(new RecurrentSeriesRegressionTrainer.Options
        {
            LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName, Epochs = epochs, Seed = seed,
        });

    /// <summary>A recurrent series regressor with every option.</summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="options">The options.</param>
    /// <remarks>
    /// <example>
    /// <code>
    /// var trainer = mlContext.Regression.Trainers.RecurrentSeriesRegressor(
    ///     new RecurrentSeriesRegressionTrainer.Options { Cell = RecurrentCellKind.Lstm, HiddenSize = 64, ValidationFraction = 0.1, EarlyStoppingPatience = 3 });
    /// </code>
    /// </example>
    /// </remarks>
    public static RecurrentSeriesRegressionTrainer RecurrentSeriesRegressor(this RegressionCatalog.RegressionTrainers catalog,
        RecurrentSeriesRegressionTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new RecurrentSeriesRegressionTrainer(new MLContext(options.Seed), options);
    }
}
