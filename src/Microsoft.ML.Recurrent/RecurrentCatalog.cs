namespace Microsoft.ML.Recurrent;

/// <summary>
/// Where ML.NET users find the recurrent trainers. ML.NET keeps a catalog's environment internal, so these
/// extension methods take the <see cref="MLContext"/> through the catalog's owner: pass the same context you build
/// the rest of the pipeline with.
/// </summary>
public static class RecurrentCatalog
{
    /// <summary>A recurrent (bidirectional LSTM by default) binary classifier reading a text column and a Boolean label.</summary>
    /// <param name="catalog">The binary-classification trainers catalog.</param>
    /// <param name="labelColumnName">The Boolean label column.</param>
    /// <param name="textColumnName">The text column (tokenized into words inside the model).</param>
    /// <param name="epochs">Training epochs.</param>
    /// <param name="seed">Seed of the weights and the shuffling.</param>
    public static RecurrentTextClassifierEstimator RecurrentTextClassifier(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        string labelColumnName = "Label", string textColumnName = "Text", int epochs = 10, int seed = 0) =>
        catalog.RecurrentTextClassifier(new RecurrentTextClassifierOptions
        {
            LabelColumnName = labelColumnName, TextColumnName = textColumnName, Epochs = epochs, Seed = seed,
        });

    /// <summary>A recurrent binary classifier reading a text column and a Boolean label, with every option.</summary>
    /// <param name="catalog">The binary-classification trainers catalog.</param>
    /// <param name="options">The options.</param>
    public static RecurrentTextClassifierEstimator RecurrentTextClassifier(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        RecurrentTextClassifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        // The stock parts the trained model is saved as only need a host; their own state carries no seed or context.
        return new RecurrentTextClassifierEstimator(new MLContext(options.Seed), options);
    }

    /// <summary>
    /// An experiment that searches recurrent binary text classifiers (cell, size, depth, direction, learning rate, ...)
    /// within a time and trial budget and returns the best one, retrained on all the data, with a leaderboard.
    /// </summary>
    /// <param name="catalog">The binary-classification catalog.</param>
    /// <param name="settings">Budget and search settings; null for the defaults.</param>
    public static RecurrentTextExperiment RecurrentTextExperiment(this BinaryClassificationCatalog catalog, RecurrentExperimentSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return (RecurrentTextExperiment)Experiment(RecurrentExperimentTask.BinaryClassification, settings);
    }

    /// <summary>
    /// An experiment that searches recurrent multiclass text classifiers (text or key-vector tokens, key label) and
    /// returns the best one with a leaderboard: <see cref="RecurrentExperimentTask.MulticlassClassification"/>.
    /// </summary>
    /// <param name="catalog">The multiclass-classification catalog.</param>
    /// <param name="settings">Budget and search settings; null for the defaults.</param>
    public static RecurrentDataViewExperiment RecurrentTextExperiment(this MulticlassClassificationCatalog catalog, RecurrentExperimentSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Experiment(RecurrentExperimentTask.MulticlassClassification, settings);
    }

    /// <summary>
    /// An experiment that searches recurrent forecasters / regressors over a float-vector series column and returns the
    /// best one with a leaderboard: <see cref="RecurrentExperimentTask.Forecasting"/>.
    /// </summary>
    /// <param name="catalog">The regression catalog.</param>
    /// <param name="settings">Budget and search settings; null for the defaults.</param>
    public static RecurrentDataViewExperiment RecurrentSeriesExperiment(this RegressionCatalog catalog, RecurrentExperimentSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Experiment(RecurrentExperimentTask.Forecasting, settings);
    }

    /// <summary>
    /// An experiment that searches recurrent next-token language models over a text column and returns the best one
    /// with a leaderboard: <see cref="RecurrentExperimentTask.NextToken"/>.
    /// </summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="settings">Budget and search settings; null for the defaults.</param>
    public static RecurrentDataViewExperiment RecurrentLanguageModelExperiment(this TransformsCatalog.TextTransforms catalog, RecurrentExperimentSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Experiment(RecurrentExperimentTask.NextToken, settings);
    }

    /// <summary>
    /// An experiment that searches recurrent sequence taggers (text-vector tokens and tags) and returns the best one
    /// with a leaderboard: <see cref="RecurrentExperimentTask.Tagging"/>.
    /// </summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="settings">Budget and search settings; null for the defaults.</param>
    public static RecurrentDataViewExperiment RecurrentTaggerExperiment(this TransformsCatalog.TextTransforms catalog, RecurrentExperimentSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Experiment(RecurrentExperimentTask.Tagging, settings);
    }

    /// <summary>
    /// An experiment for any task, given as a value: <c>mlContext.CreateRecurrentExperiment(task, settings).Execute(data,
    /// columns)</c> searches recurrent models within a time and trial budget and returns the best one, retrained on all
    /// the data as a saveable transformer, with the leaderboard. The same as the task catalogs' experiment methods.
    /// </summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="task">The task: which columns are read, which metric ranks the trials, what the model adds.</param>
    /// <param name="settings">Budget and search settings; null for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="task"/> is not a defined task.</exception>
    public static RecurrentDataViewExperiment CreateRecurrentExperiment(this MLContext mlContext, RecurrentExperimentTask task, RecurrentExperimentSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return Experiment(task, settings);
    }

    // Like the trainers, the experiment builds the saved model's stock parts in a context of its own (see the class remarks).
    private static RecurrentDataViewExperiment Experiment(RecurrentExperimentTask task, RecurrentExperimentSettings? settings)
    {
        if (!Enum.IsDefined(task))
        {
            throw new ArgumentOutOfRangeException(nameof(task), task, "Task must be BinaryClassification, MulticlassClassification, NextToken, Tagging or Forecasting.");
        }
        settings ??= new RecurrentExperimentSettings();
        var context = new MLContext(settings.Seed);
        return task == RecurrentExperimentTask.BinaryClassification
            ? new RecurrentTextExperiment(context, settings)
            : new RecurrentDataViewExperiment(context, task, settings);
    }

    /// <summary>
    /// A recurrent multiclass classifier reading a text column and a key label (from <c>Conversion.MapValueToKey</c>),
    /// 2 to 64 classes. Label, text and training options as for the binary classifier.
    /// </summary>
    /// <param name="catalog">The multiclass-classification trainers catalog.</param>
    /// <param name="labelColumnName">The key-typed label column.</param>
    /// <param name="textColumnName">The text column.</param>
    /// <param name="epochs">Training epochs.</param>
    /// <param name="seed">Seed of the weights and the shuffling.</param>
    public static RecurrentMulticlassTextClassifierEstimator RecurrentTextClassifier(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string textColumnName = "Text", int epochs = 10, int seed = 0) =>
        catalog.RecurrentTextClassifier(new RecurrentTextClassifierOptions
        {
            LabelColumnName = labelColumnName, TextColumnName = textColumnName, Epochs = epochs, Seed = seed,
        });

    /// <summary>A recurrent multiclass text classifier with every option.</summary>
    /// <param name="catalog">The multiclass-classification trainers catalog.</param>
    /// <param name="options">The options; the label column must be a key column.</param>
    public static RecurrentMulticlassTextClassifierEstimator RecurrentTextClassifier(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        RecurrentTextClassifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new RecurrentMulticlassTextClassifierEstimator(new MLContext(options.Seed), options);
    }

    /// <summary>
    /// A recurrent (GRU by default) regressor / one-step forecaster reading a float-vector series column and a float label.
    /// </summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="options">The options.</param>
    public static RecurrentSeriesRegressorEstimator RecurrentSeriesRegressor(this RegressionCatalog.RegressionTrainers catalog,
        RecurrentSeriesRegressorOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new RecurrentSeriesRegressorEstimator(new MLContext(options.Seed), options);
    }

    /// <summary>
    /// A recurrent next-token language model over a text column: adds PredictedToken and Probability, and generates
    /// text through <see cref="RecurrentModelTransformer.CreateGenerator"/> or, on a loaded model,
    /// <see cref="RecurrentModels.CreateGenerator(ITransformer)"/>.
    /// </summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="options">The options.</param>
    public static RecurrentLanguageModelEstimator RecurrentLanguageModel(this TransformsCatalog.TextTransforms catalog, RecurrentLanguageModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new RecurrentLanguageModelEstimator(new MLContext(options.Seed), options);
    }

    /// <summary>A bidirectional recurrent sequence tagger: text-vector tokens and tags in, PredictedTags out.</summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="options">The options.</param>
    public static RecurrentTaggerEstimator RecurrentTagger(this TransformsCatalog.TextTransforms catalog, RecurrentTaggerOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new RecurrentTaggerEstimator(new MLContext(options.Seed), options);
    }

    /// <summary>
    /// A featurizer that turns a text column into a fixed-size vector (the final state of a recurrent language model
    /// trained on the column) for any downstream trainer.
    /// </summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="outputColumnName">The feature-vector column to add. Default "Features".</param>
    /// <param name="options">The language model's options; null for the defaults (characters, LSTM 128, column "Text").</param>
    public static RecurrentFeaturizerEstimator RecurrentFeaturizer(this TransformsCatalog.TextTransforms catalog, string outputColumnName = "Features",
        RecurrentLanguageModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        options ??= new RecurrentLanguageModelOptions();
        return new RecurrentFeaturizerEstimator(new MLContext(options.Seed), outputColumnName, options);
    }

    /// <summary>A recurrent series regressor with default settings.</summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="labelColumnName">The Single label column.</param>
    /// <param name="featureColumnName">The series column (vector of Single, oldest first).</param>
    /// <param name="epochs">Training epochs.</param>
    /// <param name="seed">Seed of the weights and the shuffling.</param>
    public static RecurrentSeriesRegressorEstimator RecurrentSeriesRegressor(this RegressionCatalog.RegressionTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", int epochs = 30, int seed = 0) =>
        catalog.RecurrentSeriesRegressor(new RecurrentSeriesRegressorOptions { LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName, Epochs = epochs, Seed = seed });

    /// <summary>A recurrent next-token language model with default settings (characters, LSTM 128).</summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="textColumnName">The text column.</param>
    /// <param name="epochs">Training epochs.</param>
    /// <param name="seed">Seed of the weights and the shuffling.</param>
    public static RecurrentLanguageModelEstimator RecurrentLanguageModel(this TransformsCatalog.TextTransforms catalog,
        string textColumnName = "Text", int epochs = 10, int seed = 0) =>
        catalog.RecurrentLanguageModel(new RecurrentLanguageModelOptions { TextColumnName = textColumnName, Epochs = epochs, Seed = seed });

    /// <summary>A bidirectional recurrent tagger with default settings.</summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="tokensColumnName">The tokens column (vector of text).</param>
    /// <param name="labelColumnName">The tags column (vector of text, one per token).</param>
    /// <param name="epochs">Training epochs.</param>
    /// <param name="seed">Seed of the weights and the shuffling.</param>
    public static RecurrentTaggerEstimator RecurrentTagger(this TransformsCatalog.TextTransforms catalog,
        string tokensColumnName = "Tokens", string labelColumnName = "Label", int epochs = 5, int seed = 0) =>
        catalog.RecurrentTagger(new RecurrentTaggerOptions { TokensColumnName = tokensColumnName, LabelColumnName = labelColumnName, Epochs = epochs, Seed = seed });
}
