using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Generation;
using Microsoft.ML.Recurrent.Explainability;
using Microsoft.ML.Recurrent.Serialization;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Access to the recurrent model inside a transformer — a fitted one or one loaded with <c>mlContext.Model.Load</c>
/// (which gives back a plain <c>TransformerChain</c>) — for the features ML.NET has no column for: generation,
/// streaming sessions, the model file.
/// </summary>
public static partial class RecurrentModels
{
    /// <summary>
    /// The model bundle (model, vocabulary, labels) inside a recurrent transformer or a loaded chain; of an ensemble of
    /// classifiers, its first member (<see cref="MembersFromTransformer"/> gives them all).
    /// </summary>
    /// <exception cref="ArgumentException">The transformer holds no recurrent model.</exception>
    public static RecurrentModelFile FromTransformer(ITransformer transformer) => MembersFromTransformer(transformer)[0];

    /// <summary>
    /// The model bundles inside a recurrent transformer or a loaded chain: one, or the members of an ensemble of text
    /// classifiers (<see cref="RecurrentTextClassificationOptionsBase.EnsembleSize"/>), in order.
    /// </summary>
    /// <exception cref="ArgumentException">The transformer holds no recurrent model.</exception>
    public static IReadOnlyList<RecurrentModelFile> MembersFromTransformer(ITransformer transformer)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        if (transformer is RecurrentModelTransformer recurrent)
        {
            return recurrent.Members;
        }
        if (transformer is IEnumerable<ITransformer> chain)
        {
            // The model text is what the chain's MapValue part maps the constant key 1 to.
            var keyRow = new MLContext().Data.LoadFromEnumerable(new[] { new SavedModel.ModelKeyOutput { ModelKey = 1 } });
            foreach (var part in chain)
            {
                if (part is RecurrentModelTransformer fitted)
                {
                    return fitted.Members; // a fitted pipeline (e.g. key mapping + trainer) holds the facade itself
                }
                if (part is IEnumerable<ITransformer> inner && TryFind(inner, out var found))
                {
                    return found;
                }
                if (TryRead(part, keyRow, out var bundle))
                {
                    return bundle;
                }
            }
        }
        throw new ArgumentException("The transformer holds no recurrent model (no part maps the recurrent model key to a model).", nameof(transformer));
    }

    /// <summary>A text generator over the language model inside a recurrent transformer or a loaded chain.</summary>
    /// <exception cref="ArgumentException">The transformer holds no recurrent language model with a vocabulary.</exception>
    public static TextGenerator CreateGenerator(ITransformer transformer)
    {
        var bundle = FromTransformer(transformer);
        if (bundle.Sequencer is null || bundle.Model.Options.Task != Models.SequenceTask.LanguageModel)
        {
            throw new ArgumentException($"The transformer holds a {bundle.Model.Options.Task} model; generation needs a text language model.", nameof(transformer));
        }
        return new TextGenerator(new StreamingPredictor(bundle.Model), bundle.Sequencer);
    }

    /// <summary>
    /// Checks new data against the training data of the recurrent model inside a transformer or a loaded chain: share of
    /// unknown tokens, share of truncated rows, length distribution and, for series, values outside the training range,
    /// each against its threshold (see docs/explain.md). Models saved before training profiles were recorded report
    /// <see cref="DriftStatus.NotRecorded"/>. A seed ensemble is checked against its first member's profile and vocabulary.
    /// </summary>
    /// <param name="transformer">A recurrent transformer, or a chain loaded with <c>mlContext.Model.Load</c>.</param>
    /// <param name="data">The new data.</param>
    /// <param name="inputColumnName">The column the model reads: text, key-vector tokens, text tokens or a Single vector (series).</param>
    /// <param name="thresholds">When to warn; null for the defaults.</param>
    /// <returns>One metric per question, with its status.</returns>
    /// <exception cref="ArgumentException">The transformer holds no recurrent model, or the data has no rows.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing or of another type.</exception>
    public static DriftReport CheckDrift(ITransformer transformer, IDataView data, string inputColumnName, DriftThresholds? thresholds = null) =>
        RecurrentDrift.Check(transformer, data, inputColumnName, thresholds);

    private static bool TryFind(IEnumerable<ITransformer> chain, out IReadOnlyList<RecurrentModelFile> bundle)
    {
        try
        {
            bundle = MembersFromTransformer((ITransformer)chain);
            return true;
        }
        catch (ArgumentException)
        {
            bundle = null!;
            return false;
        }
    }

    private static bool TryRead(ITransformer part, IDataView keyRow, out IReadOnlyList<RecurrentModelFile> bundle)
    {
        bundle = null!;
        DataViewSchema output;
        try
        {
            output = part.GetOutputSchema(keyRow.Schema);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or KeyNotFoundException)
        {
            return false; // the part needs other input columns
        }
        if (output.GetColumnOrNull(SavedModel.ColumnNames.Model) is null)
        {
            return false;
        }
        string text = part.Transform(keyRow).GetColumn<string>(SavedModel.ColumnNames.Model).First();
        bundle = SavedModel.ModelEnsemble.Decode(text);
        return true;
    }
}
