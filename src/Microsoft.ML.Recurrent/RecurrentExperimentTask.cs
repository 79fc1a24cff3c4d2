namespace Microsoft.ML.Recurrent;

/// <summary>
/// What a recurrent experiment (<see cref="RecurrentExperimentCatalog.CreateRecurrentExperiment"/>) learns, and so which columns it
/// reads (see <see cref="RecurrentColumnInformation"/>), which metric ranks the trials and what the best model adds.
/// </summary>
public enum RecurrentExperimentTask
{
    /// <summary>
    /// A text (or key-vector token) column and a Boolean label; ranked by validation accuracy. The best model adds
    /// <c>Score</c>, <c>Probability</c> and <c>PredictedLabel</c> (as <see cref="RecurrentTextBinaryTrainer"/>).
    /// </summary>
    BinaryClassification,

    /// <summary>
    /// A text (or key-vector token) column and a key label (from <c>Conversion.MapValueToKey</c>, 2 to 64 classes); ranked
    /// by validation accuracy. The best model adds a known-size <c>Score</c> vector and a key <c>PredictedLabel</c>
    /// (as <see cref="RecurrentTextMulticlassTrainer"/>).
    /// </summary>
    MulticlassClassification,

    /// <summary>
    /// A text column (characters by default), each text one sequence; ranked by validation loss (nats per token, the
    /// logarithm of the perplexity). The best model adds <c>PredictedToken</c>, <c>Probability</c> and
    /// <c>NextTokenProbabilities</c> and generates text (as <see cref="RecurrentLanguageModelEstimator"/>).
    /// </summary>
    NextToken,

    /// <summary>
    /// A text-vector tokens column and a text-vector tags column (one tag per token); ranked by validation token
    /// accuracy. The best model adds <c>PredictedTags</c> (as <see cref="RecurrentSequenceTaggingEstimator"/>).
    /// </summary>
    Tagging,

    /// <summary>
    /// A float-vector series column (a window of past values, oldest first) and a Single label (e.g. the next value);
    /// ranked by validation RMSE in standardised units (the label's units divided by the series' standard deviation).
    /// Without validation data the last rows are held out, so give the rows in time order. The best model adds
    /// <c>Score</c> (as <see cref="RecurrentSeriesRegressionTrainer"/>).
    /// </summary>
    Forecasting,

    /// <summary>
    /// A source text column (<see cref="RecurrentColumnInformation.TextColumnName"/>) and a target text column
    /// (<see cref="RecurrentColumnInformation.LabelColumnName"/>), character or word tokens per side; ranked by validation
    /// loss (cross-entropy in nats per target token, EOS included). Its best model is a
    /// <see cref="RecurrentSequenceToSequenceTransformer"/> (as <see cref="RecurrentSequenceToSequenceEstimator"/>, adding
    /// <c>PredictedText</c> and the optional attention column), so it runs through its own entry point,
    /// <see cref="RecurrentExperimentCatalog.RecurrentSequenceToSequenceExperiment"/>, not
    /// <see cref="RecurrentExperimentCatalog.CreateRecurrentExperiment"/>.
    /// </summary>
    SequenceToSequence,
}
