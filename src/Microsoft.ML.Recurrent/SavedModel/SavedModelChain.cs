using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Text;
using Microsoft.ML.Recurrent.Training;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.Recurrent.SavedModel;

/// <summary>
/// Builds every saved recurrent model, for every task, as one chain of stock, saveable ML.NET parts:
/// <list type="number">
/// <item>the input under a fixed name (<c>CopyColumns</c>, or <c>MapKeyToValue</c> for key-vector tokens);</item>
/// <item>a <c>CustomMapping</c> (contract <c>Recurrent.ModelKey.v1</c>) that emits the constant key 1;</item>
/// <item>a <c>MapValue</c> that maps the key to the model file as one base64 text value;</item>
/// <item>the task's <c>CustomMapping</c> (its contract in <see cref="MappingContracts"/>) that predicts with it;</item>
/// <item>classifiers with attributions only: a second <c>CustomMapping</c> (<c>Recurrent.TextAttribution.v1</c> or
/// <c>Recurrent.TokenAttribution.v1</c>) that adds the tokens and their attributions;</item>
/// <item>the task's tail (multiclass: <c>Concatenate</c> of the class columns into Score, <c>MapValueToKey</c> of the
/// predicted name; featurizer: <c>CopyColumns</c> to the output name) and a <c>DropColumns</c> of the helpers.</item>
/// </list>
/// A saved .zip records exactly these parts: keep their order, names and contracts.
/// </summary>
internal static class SavedModelChain
{
    /// <summary>The untrained chain: with an empty model text it only tells the output schema.</summary>
    public static EstimatorChain<ColumnSelectingTransformer> Create(MLContext context, SavedModelLayout layout, string modelText)
    {
        string helper = layout.HelperColumn;
        var chain = new EstimatorChain<ITransformer>()
            .Append<ITransformer>(layout.TokenKeys
                ? context.Transforms.Conversion.MapKeyToValue(helper, layout.InputColumn)
                : context.Transforms.CopyColumns(helper, layout.InputColumn))
            .Append(MappingContracts.ModelKey(context))
            .Append<ITransformer>(context.Transforms.Conversion.MapValue(ColumnNames.Model, new[] { new KeyValuePair<uint, string>(1, modelText) }, ColumnNames.ModelKey))
            .Append(MappingContracts.For(context, layout));
        if (layout.Attributions)
        {
            chain = chain.Append(MappingContracts.Attributions(context, layout));
        }
        var drop = new List<string> { helper, ColumnNames.ModelKey, ColumnNames.Model };
        if (layout.Task == SavedModelTask.MulticlassClassification)
        {
            var keyData = context.Data.LoadFromEnumerable(layout.ClassNames.Select(n => new KeyName { Name = n }));
            chain = chain
                .Append<ITransformer>(context.Transforms.Concatenate("Score", Enumerable.Range(0, layout.ClassNames.Count).Select(ColumnNames.Score).ToArray()))
                .Append<ITransformer>(context.Transforms.Conversion.MapValueToKey("PredictedLabel", ColumnNames.PredictedName, keyData: keyData));
            drop.Add(ColumnNames.PredictedName);
            drop.AddRange(Enumerable.Range(0, RecurrentTextMulticlassTrainer.MaxClasses).Select(ColumnNames.Score));
        }
        else if (layout.Task == SavedModelTask.TextFeaturizing)
        {
            chain = chain.Append<ITransformer>(context.Transforms.CopyColumns(layout.OutputColumn, ColumnNames.Features));
            drop.Add(ColumnNames.Features);
        }
        return chain.Append(context.Transforms.DropColumns(drop.ToArray()));
    }

    /// <summary>
    /// Writes the trained model into a model file (with its maximum sequence length and task name, after
    /// <paramref name="numbers"/>) and fits the chain that carries it.
    /// </summary>
    public static RecurrentModelTransformer Fit(MLContext context, SavedModelLayout layout, SequenceModel model, TextSequencer? sequencer,
        IEnumerable<string>? labelNames, int maxLength, TrainingResult? result, IDataView input, params KeyValuePair<string, double>[] numbers) =>
        Fit(context, layout, [Bundle(layout, model, sequencer, labelNames, maxLength, numbers)], result, input);

    /// <summary>
    /// A trained model's file, with its maximum sequence length and task name after <paramref name="numbers"/>: one model
    /// of a chain, or one member of an ensemble.
    /// </summary>
    public static RecurrentModelFile Bundle(SavedModelLayout layout, SequenceModel model, TextSequencer? sequencer, IEnumerable<string>? labelNames,
        int maxLength, params KeyValuePair<string, double>[] numbers) =>
        new(model, sequencer, labelNames, [.. numbers, new(BundleKeys.MaxSequenceLength, maxLength)], [new(BundleKeys.Task, BundleKeys.TaskName(layout.Task))]);

    /// <summary>Fits the chain that carries an existing model file.</summary>
    public static RecurrentModelTransformer Fit(MLContext context, SavedModelLayout layout, RecurrentModelFile bundle, TrainingResult? result, IDataView input) =>
        Fit(context, layout, [bundle], result, input);

    /// <summary>Fits the chain that carries one model file or an ensemble of classifiers (<see cref="ModelEnsemble"/>).</summary>
    public static RecurrentModelTransformer Fit(MLContext context, SavedModelLayout layout, IReadOnlyList<RecurrentModelFile> members, TrainingResult? result, IDataView input) =>
        new(Create(context, layout, ModelEnsemble.Encode(members)).Fit(input), layout, members, result);

    private sealed class KeyName
    {
        public string Name { get; set; } = "";
    }
}
