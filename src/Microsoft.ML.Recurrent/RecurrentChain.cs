using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// The shared front of every saved recurrent model: the input under a fixed name, the constant model key, and the
/// model file as one text value. Stock, saveable ML.NET parts only.
/// </summary>
internal static class RecurrentChain
{
    public static EstimatorChain<ITransformer> WithModel(MLContext context, IEstimator<ITransformer> input, string modelText) =>
        new EstimatorChain<ITransformer>()
            .Append(input)
            .Append<ITransformer>(context.Transforms.CustomMapping<RecurrentEmptyInput, RecurrentModelKeyOutput>(RecurrentModelKeyFactory.Map, RecurrentModelKeyFactory.ContractName))
            .Append<ITransformer>(context.Transforms.Conversion.MapValue(RecurrentColumnNames.Model, new[] { new KeyValuePair<uint, string>(1, modelText) }, RecurrentColumnNames.ModelKey));
}
