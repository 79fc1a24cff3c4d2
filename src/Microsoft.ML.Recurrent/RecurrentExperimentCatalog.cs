namespace Microsoft.ML.Recurrent;

/// <summary>
/// Where ML.NET users find the recurrent experiments (like ML.NET AutoML's): one per task catalog, and one for any
/// task given as a value. Each searches recurrent models within a time and trial budget and returns the best one,
/// retrained on all the data as a saveable transformer, with the leaderboard.
/// </summary>
/// <remarks>
/// <example>
/// <code>
/// var settings = new RecurrentExperimentSettings { MaxExperimentTime = TimeSpan.FromMinutes(10) };
/// var result = mlContext.CreateRecurrentExperiment(RecurrentExperimentTask.Tagging, settings)
///     .Execute(trainData, new RecurrentColumnInformation { TokensColumnName = "Words", LabelColumnName = "Tags" });
/// Console.WriteLine(result.FormatLeaderboard());
/// mlContext.Model.Save(result.BestModel, trainData.Schema, "best.zip");
/// </code>
/// </example>
/// </remarks>
public static class RecurrentExperimentCatalog
{
    /// <summary>
    /// An experiment that searches recurrent binary text classifiers (cell, size, depth, direction, learning rate, ...)
    /// within a time and trial budget and returns the best one, retrained on all the data, with a leaderboard.
    /// </summary>
    /// <param name="catalog">The binary-classification catalog.</param>
    /// <param name="settings">Budget and search settings; null for the defaults.</param>
    /// <remarks>
    /// <example>
    /// <code>
    /// var result = mlContext.BinaryClassification.RecurrentTextExperiment(new RecurrentExperimentSettings { MaxExperimentTime = TimeSpan.FromMinutes(5) })
    ///     .Execute(trainData, "Label", "Text");
    /// </code>
    /// </example>
    /// </remarks>
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
    /// <remarks>
    /// <example>
    /// <code>
    /// var result = mlContext.MulticlassClassification.RecurrentTextExperiment(settings)
    ///     .Execute(keyedData, new RecurrentColumnInformation { LabelColumnName = "Label", TextColumnName = "Text" });
    /// </code>
    /// </example>
    /// </remarks>
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
    /// <remarks>
    /// <example>
    /// <code>
    /// var result = mlContext.Regression.RecurrentSeriesExperiment(settings)
    ///     .Execute(windows, new RecurrentColumnInformation { SeriesColumnName = "Window", LabelColumnName = "Next" });
    /// </code>
    /// </example>
    /// </remarks>
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
    /// <remarks>
    /// <example>
    /// <code>
    /// var result = mlContext.Transforms.Text.RecurrentLanguageModelExperiment(settings)
    ///     .Execute(texts, new RecurrentColumnInformation { TextColumnName = "Text" });
    /// </code>
    /// </example>
    /// </remarks>
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
    /// <remarks>
    /// <example>
    /// <code>
    /// var result = mlContext.Transforms.Text.RecurrentTaggerExperiment(settings)
    ///     .Execute(sentences, new RecurrentColumnInformation { TokensColumnName = "Words", LabelColumnName = "Tags" });
    /// </code>
    /// </example>
    /// </remarks>
    public static RecurrentDataViewExperiment RecurrentTaggerExperiment(this TransformsCatalog.TextTransforms catalog, RecurrentExperimentSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Experiment(RecurrentExperimentTask.Tagging, settings);
    }

    /// <summary>
    /// An experiment that searches attention encoder–decoders from a source text column to a target text column and
    /// returns the best one as a <see cref="RecurrentSequenceToSequenceTransformer"/> with a leaderboard:
    /// <see cref="RecurrentExperimentTask.SequenceToSequence"/>.
    /// </summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="settings">Budget, search, token and decoding settings; null for the defaults.</param>
    /// <remarks>
    /// <example>
    /// <code>
    /// var settings = new RecurrentSequenceToSequenceExperimentSettings { MaxExperimentTime = TimeSpan.FromMinutes(10), TargetTokens = TokenizerKind.Word };
    /// var result = mlContext.Transforms.Text.RecurrentSequenceToSequenceExperiment(settings)
    ///     .Execute(words, new RecurrentColumnInformation { TextColumnName = "Word", LabelColumnName = "Phonemes" });
    /// Console.WriteLine(result.FormatLeaderboard());
    /// mlContext.Model.Save(result.BestModel, words.Schema, "g2p.zip");
    /// </code>
    /// </example>
    /// </remarks>
    public static RecurrentSequenceToSequenceExperiment RecurrentSequenceToSequenceExperiment(this TransformsCatalog.TextTransforms catalog,
        RecurrentSequenceToSequenceExperimentSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        settings ??= new RecurrentSequenceToSequenceExperimentSettings();
        return new RecurrentSequenceToSequenceExperiment(new MLContext(settings.Seed), settings);
    }

    /// <summary>
    /// An experiment for any task, given as a value: <c>mlContext.CreateRecurrentExperiment(task, settings).Execute(data,
    /// columns)</c> searches recurrent models within a time and trial budget and returns the best one, retrained on all
    /// the data as a saveable transformer, with the leaderboard. The same as the task catalogs' experiment methods.
    /// </summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="task">The task: which columns are read, which metric ranks the trials, what the model adds.</param>
    /// <param name="settings">Budget and search settings; null for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="task"/> is not a defined task, or is
    /// <see cref="RecurrentExperimentTask.SequenceToSequence"/> (its best model is another transformer type: use
    /// <see cref="RecurrentSequenceToSequenceExperiment"/>).</exception>
    /// <remarks>
    /// <example>
    /// <code>
    /// var result = mlContext.CreateRecurrentExperiment(RecurrentExperimentTask.NextToken, settings)
    ///     .Execute(texts, new RecurrentColumnInformation { TextColumnName = "Text" });
    /// Console.WriteLine(result.FormatLeaderboard());
    /// </code>
    /// </example>
    /// </remarks>
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
        if (task == RecurrentExperimentTask.SequenceToSequence)
        {
            throw new ArgumentOutOfRangeException(nameof(task), task,
                "A SequenceToSequence experiment returns a RecurrentSequenceToSequenceTransformer: create it with mlContext.Transforms.Text.RecurrentSequenceToSequenceExperiment(settings).");
        }
        settings ??= new RecurrentExperimentSettings();
        var context = new MLContext(settings.Seed);
        return task == RecurrentExperimentTask.BinaryClassification
            ? new RecurrentTextExperiment(context, settings)
            : new RecurrentDataViewExperiment(context, task, settings);
    }
}
