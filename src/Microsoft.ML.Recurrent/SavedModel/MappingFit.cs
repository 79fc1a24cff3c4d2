using System.Globalization;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;

namespace Microsoft.ML.Recurrent.SavedModel;

/// <summary>
/// Checks that a decoded model fits the mapping that uses it: its task, its heads and sizes, its input (tokens or
/// numbers) and the task name it was saved with. A saved .zip can carry any model file in any task's slot (a file is
/// untrusted input), and ML.NET gives a CustomMapping no hook when a model is loaded, so the check runs at the first
/// prediction of each mapping with each model (<see cref="LoadedModel.RequireFit"/> caches the result).
/// </summary>
internal static class MappingFit
{
    /// <summary>Throws an <see cref="InvalidDataException"/> that says what does not fit, or returns.</summary>
    /// <param name="bundle">The decoded model file.</param>
    /// <param name="kind">The mapping that reads it.</param>
    /// <param name="featureSize">The featurizer's vector size (other mappings: ignored).</param>
    public static void Check(RecurrentModelFile bundle, MappingKind kind, int featureSize)
    {
        var o = bundle.Model.Options;
        var task = ExpectedTask(kind);
        if (o.Task != task)
        {
            throw Misfit(kind, $"it is a {o.Task} model; the slot needs a {task} model");
        }
        if (kind == MappingKind.SeriesRegression)
        {
            if (o.UsesTokens || o.InputFeatures != 1)
            {
                throw Misfit(kind, Invariant($"it reads {(o.UsesTokens ? "tokens" : $"{o.InputFeatures} features per step")}; the slot needs a model that reads one number per step"));
            }
            if (o.HeadOutputs != 1)
            {
                throw Misfit(kind, Invariant($"it has {o.HeadOutputs} outputs; the slot needs 1"));
            }
        }
        else if (!o.UsesTokens || bundle.Sequencer is null)
        {
            throw Misfit(kind, "it reads numbers or has no vocabulary; the slot needs a model that reads tokens, with its vocabulary");
        }
        switch (kind)
        {
            case MappingKind.BinaryText or MappingKind.BinaryTokens when o.HeadOutputs != 2:
                throw Misfit(kind, Invariant($"it has {o.HeadOutputs} outputs; the slot needs 2 (false, true)"));
            case MappingKind.MulticlassText or MappingKind.MulticlassTokens when o.HeadOutputs > RecurrentTextMulticlassTrainer.MaxClasses:
                throw Misfit(kind, Invariant($"it has {o.HeadOutputs} classes; the slot takes 2 to {RecurrentTextMulticlassTrainer.MaxClasses}"));
            case MappingKind.MulticlassText or MappingKind.MulticlassTokens or MappingKind.SequenceTagging when bundle.LabelNames is null:
                throw Misfit(kind, "it has no class (tag) names; the slot needs one name per output");
            case MappingKind.Featurizer:
                int directions = o.IsBidirectional ? 2 : 1;
                if ((long)o.HiddenSize * directions > featureSize)
                {
                    throw Misfit(kind, Invariant($"its final state has {(long)o.HiddenSize * directions} values (hidden size {o.HiddenSize} × {directions} direction(s)); the slot's feature vector holds {featureSize}"));
                }
                break;
        }
        if (bundle.Metadata.TryGetValue(BundleKeys.Task, out string? saved) && saved != ExpectedTaskName(kind))
        {
            throw Misfit(kind, $"it was saved as a \"{saved}\" model; the slot holds \"{ExpectedTaskName(kind)}\" models");
        }
    }

    private static SequenceTask ExpectedTask(MappingKind kind) => kind switch
    {
        MappingKind.SeriesRegression => SequenceTask.Regression,
        MappingKind.NextToken or MappingKind.Featurizer => SequenceTask.LanguageModel,
        MappingKind.SequenceTagging => SequenceTask.Tagging,
        _ => SequenceTask.Classification,
    };

    // The featurizer saves its language model's file, so it carries the language model's task name.
    private static string ExpectedTaskName(MappingKind kind) => BundleKeys.TaskName(kind switch
    {
        MappingKind.BinaryText or MappingKind.BinaryTokens => SavedModelTask.BinaryClassification,
        MappingKind.MulticlassText or MappingKind.MulticlassTokens => SavedModelTask.MulticlassClassification,
        MappingKind.SeriesRegression => SavedModelTask.SeriesRegression,
        MappingKind.SequenceTagging => SavedModelTask.SequenceTagging,
        _ => SavedModelTask.LanguageModel,
    });

    private static string SlotName(MappingKind kind) => kind switch
    {
        MappingKind.BinaryText => "binary text classifier",
        MappingKind.BinaryTokens => "binary token classifier",
        MappingKind.MulticlassText => "multiclass text classifier",
        MappingKind.MulticlassTokens => "multiclass token classifier",
        MappingKind.SeriesRegression => "series regressor",
        MappingKind.NextToken => "language model",
        MappingKind.SequenceTagging => "sequence tagger",
        _ => "text featurizer",
    };

    private static InvalidDataException Misfit(MappingKind kind, string why) =>
        new($"The recurrent model in this saved model's {SlotName(kind)} slot does not fit it: {why}. The model file was replaced, tampered with or saved for another task.");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
