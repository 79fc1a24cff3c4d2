using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.Recurrent.SavedModel;

/// <summary>
/// The saved chain of the sequence-to-sequence transform, stock ML.NET parts only (as <see cref="SavedModelChain"/>):
/// <c>CopyColumns</c> of the input text to a helper, the <c>Recurrent.ModelKey.v1</c> mapping, a <c>MapValue</c> from the
/// key to the model text (<see cref="Seq2SeqModelText"/>), the <c>Recurrent.SequenceToSequence.v1</c> mapping, 
/// <c>CopyColumns</c> of its outputs to the requested names (the attention's only when asked for) and a <c>DropColumns</c> of the helpers. A saved .zip records
/// exactly these parts: keep their order, names and contracts.
/// </summary>
internal static class Seq2SeqChain
{
    public static EstimatorChain<ColumnSelectingTransformer> Create(MLContext context, string inputColumn, string outputColumn, string? attentionColumn, string modelText)
    {
        var chain = new EstimatorChain<ITransformer>()
            .Append<ITransformer>(context.Transforms.CopyColumns(ColumnNames.Text, inputColumn))
            .Append(MappingContracts.ModelKey(context))
            .Append<ITransformer>(context.Transforms.Conversion.MapValue(ColumnNames.Model, new[] { new KeyValuePair<uint, string>(1, modelText) }, ColumnNames.ModelKey))
            .Append(SequenceToSequenceFactory.Estimator(context))
            .Append<ITransformer>(context.Transforms.CopyColumns(outputColumn, ColumnNames.PredictedText));
        if (attentionColumn is not null)
        {
            chain = chain.Append<ITransformer>(context.Transforms.CopyColumns(attentionColumn, ColumnNames.Attention));
        }
        return chain.Append(context.Transforms.DropColumns(ColumnNames.Text, ColumnNames.ModelKey, ColumnNames.Model, ColumnNames.PredictedText, ColumnNames.Attention));
    }
}
