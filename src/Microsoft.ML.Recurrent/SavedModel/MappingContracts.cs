namespace Microsoft.ML.Recurrent.SavedModel;

/// <summary>
/// The CustomMapping part of each task. The factories themselves, one per contract name, are generated from one table
/// (MappingFactories.g.cs); this picks the one a layout needs.
/// </summary>
internal static partial class MappingContracts
{
    /// <summary>The constant-key mapping every saved chain starts with.</summary>
    public static IEstimator<ITransformer> ModelKey(MLContext context) => ModelKeyFactory.Estimator(context);

    /// <summary>The attribution mapping of a classifier's input (text or key-vector tokens).</summary>
    public static IEstimator<ITransformer> Attributions(MLContext context, SavedModelLayout layout) =>
        layout.Task is SavedModelTask.BinaryClassification or SavedModelTask.MulticlassClassification
            ? layout.TokenKeys ? TokenAttributionFactory.Estimator(context) : TextAttributionFactory.Estimator(context)
            : throw new ArgumentOutOfRangeException(nameof(layout), layout.Task, "Only classifiers have attributions.");

    /// <summary>The prediction mapping of a layout's task and input.</summary>
    public static IEstimator<ITransformer> For(MLContext context, SavedModelLayout layout) => layout.Task switch
    {
        SavedModelTask.BinaryClassification => layout.TokenKeys ? BinaryTokenClassifierFactory.Estimator(context) : BinaryTextClassifierFactory.Estimator(context),
        SavedModelTask.MulticlassClassification => layout.TokenKeys ? MulticlassTokenClassifierFactory.Estimator(context) : MulticlassTextClassifierFactory.Estimator(context),
        SavedModelTask.SeriesRegression => SeriesRegressorFactory.Estimator(context),
        SavedModelTask.LanguageModel => NextTokenFactory.Estimator(context),
        SavedModelTask.SequenceTagging => SequenceTaggerFactory.Estimator(context),
        SavedModelTask.TextFeaturizing => Featurizer(context, layout.FeatureSize),
        _ => throw new ArgumentOutOfRangeException(nameof(layout), layout.Task, "Unknown saved-model task."),
    };
}
