using Microsoft.ML.Recurrent.AutoML;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Settings of the binary text-classification experiment: the same as <see cref="RecurrentExperimentSettings"/>, under
/// the name the first experiment API used.
/// </summary>
public sealed class RecurrentTextExperimentSettings : RecurrentExperimentSettings
{
}

/// <summary>
/// The binary text-classification case of <see cref="RecurrentDataViewExperiment"/>
/// (<see cref="RecurrentExperimentTask.BinaryClassification"/>), with the label and text columns as arguments.
/// </summary>
public sealed class RecurrentTextExperiment : RecurrentDataViewExperiment
{
    internal RecurrentTextExperiment(MLContext context, RecurrentExperimentSettings settings)
        : base(context, RecurrentExperimentTask.BinaryClassification, settings)
    {
    }

    /// <summary>Runs the experiment on a text (or key-vector token) column and a Boolean label column.</summary>
    /// <param name="trainData">The training data.</param>
    /// <param name="labelColumnName">The Boolean label column.</param>
    /// <param name="textColumnName">The text column, or a key vector of tokens.</param>
    /// <param name="progress">Receives each finished trial; optional.</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type.</exception>
    /// <exception cref="ArgumentException">The data has fewer than 2 rows or one class only.</exception>
    public RecurrentTextExperimentResult Execute(IDataView trainData, string labelColumnName = "Label", string textColumnName = "Text",
        IProgress<TrialResult>? progress = null) =>
        new(Execute(trainData, new RecurrentColumnInformation { LabelColumnName = labelColumnName, TextColumnName = textColumnName }, progress));
}

/// <summary>The outcome of a <see cref="RecurrentTextExperiment"/>: a <see cref="RecurrentExperimentResult"/> under the name the first experiment API used.</summary>
public sealed class RecurrentTextExperimentResult : RecurrentExperimentResult
{
    internal RecurrentTextExperimentResult(RecurrentExperimentResult result)
        : base(result.Task, result.BestModel, result.Details)
    {
    }
}
