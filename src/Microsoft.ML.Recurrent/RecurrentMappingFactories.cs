using Microsoft.ML.Transforms;

namespace Microsoft.ML.Recurrent;

/// <summary>Creates the constant-key mapping of a saved recurrent model (ML.NET finds it by its contract name when loading).</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class RecurrentModelKeyFactory : CustomMappingFactory<RecurrentEmptyInput, RecurrentModelKeyOutput>
{
    /// <summary>The contract name recorded in saved models.</summary>
    public const string ContractName = "Recurrent.ModelKey.v1";

    /// <inheritdoc/>
    public override Action<RecurrentEmptyInput, RecurrentModelKeyOutput> GetMapping() => Map;

    internal static void Map(RecurrentEmptyInput input, RecurrentModelKeyOutput output) => output.ModelKey = 1;
}

/// <summary>Creates the prediction mapping of a saved binary text classifier (found by its contract name when loading).</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class RecurrentBinaryTextClassifierFactory : CustomMappingFactory<RecurrentTextInput, RecurrentBinaryOutput>
{
    /// <summary>The contract name recorded in saved models.</summary>
    public const string ContractName = "Recurrent.BinaryTextClassifier.v1";

    /// <inheritdoc/>
    public override Action<RecurrentTextInput, RecurrentBinaryOutput> GetMapping() => Map;

    internal static void Map(RecurrentTextInput input, RecurrentBinaryOutput output)
    {
        Span<float> logits = stackalloc float[2];
        RecurrentModelCache.Get(input.Model).PredictLogits(input.Text, logits);
        SetOutput(logits, output);
    }

    internal static void SetOutput(ReadOnlySpan<float> logits, RecurrentBinaryOutput output)
    {
        float score = logits[1] - logits[0];
        output.Score = score;
        output.Probability = 1f / (1f + MathF.Exp(-score));
        output.PredictedLabel = output.Probability >= 0.5f;
    }
}

/// <summary>Creates the prediction mapping of a saved multiclass text classifier (found by its contract name when loading).</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class RecurrentMulticlassTextClassifierFactory : CustomMappingFactory<RecurrentTextInput, RecurrentMulticlassOutput>
{
    /// <summary>The contract name recorded in saved models.</summary>
    public const string ContractName = "Recurrent.MulticlassTextClassifier.v1";

    /// <inheritdoc/>
    public override Action<RecurrentTextInput, RecurrentMulticlassOutput> GetMapping() => Map;

    internal static void Map(RecurrentTextInput input, RecurrentMulticlassOutput output)
    {
        var model = RecurrentModelCache.Get(input.Model);
        Span<float> logits = stackalloc float[model.Bundle.LabelNames!.Count];
        model.PredictLogits(input.Text, logits);
        SetOutput(model.Bundle.LabelNames!, logits, output);
    }

    internal static void SetOutput(IReadOnlyList<string> names, Span<float> logits, RecurrentMulticlassOutput output)
    {
        System.Numerics.Tensors.TensorPrimitives.SoftMax(logits, logits);
        for (int i = 0; i < logits.Length; i++)
        {
            output.SetScore(i, logits[i]);
        }
        output.PredictedName = names[System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits)];
    }
}

/// <summary>Creates the prediction mapping of a saved series regressor (found by its contract name when loading).</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class RecurrentSeriesRegressorFactory : CustomMappingFactory<RecurrentSeriesInput, RecurrentRegressionOutput>
{
    /// <summary>The contract name recorded in saved models.</summary>
    public const string ContractName = "Recurrent.SeriesRegressor.v1";

    /// <inheritdoc/>
    public override Action<RecurrentSeriesInput, RecurrentRegressionOutput> GetMapping() => Map;

    internal static void Map(RecurrentSeriesInput input, RecurrentRegressionOutput output) =>
        output.Score = RecurrentModelCache.Get(input.Model).PredictSeries(input.Series);
}

/// <summary>Creates the prediction mapping of a saved next-token language model (found by its contract name when loading).</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class RecurrentNextTokenFactory : CustomMappingFactory<RecurrentTextInput, RecurrentNextTokenOutput>
{
    /// <summary>The contract name recorded in saved models.</summary>
    public const string ContractName = "Recurrent.NextToken.v1";

    /// <inheritdoc/>
    public override Action<RecurrentTextInput, RecurrentNextTokenOutput> GetMapping() => Map;

    internal static void Map(RecurrentTextInput input, RecurrentNextTokenOutput output)
    {
        var (token, probability, distribution) = RecurrentModelCache.Get(input.Model).PredictNextToken(input.Text);
        output.PredictedToken = token;
        output.Probability = probability;
        output.NextTokenProbabilities = distribution;
    }
}

/// <summary>Creates the prediction mapping of a saved sequence tagger (found by its contract name when loading).</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class RecurrentTaggerFactory : CustomMappingFactory<RecurrentTokensInput, RecurrentTaggerOutput>
{
    /// <summary>The contract name recorded in saved models.</summary>
    public const string ContractName = "Recurrent.SequenceTagger.v1";

    /// <inheritdoc/>
    public override Action<RecurrentTokensInput, RecurrentTaggerOutput> GetMapping() => Map;

    internal static void Map(RecurrentTokensInput input, RecurrentTaggerOutput output) =>
        output.PredictedTags = RecurrentModelCache.Get(input.Model).PredictTags(input.Tokens);
}

/// <summary>Creates the prediction mapping of a saved binary classifier over a key-vector (token) column.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class RecurrentBinaryTokenClassifierFactory : CustomMappingFactory<RecurrentTokensInput, RecurrentBinaryOutput>
{
    /// <summary>The contract name recorded in saved models.</summary>
    public const string ContractName = "Recurrent.BinaryTokenClassifier.v1";

    /// <inheritdoc/>
    public override Action<RecurrentTokensInput, RecurrentBinaryOutput> GetMapping() => Map;

    internal static void Map(RecurrentTokensInput input, RecurrentBinaryOutput output)
    {
        Span<float> logits = stackalloc float[2];
        RecurrentModelCache.Get(input.Model).PredictLogits(input.Tokens, logits);
        RecurrentBinaryTextClassifierFactory.SetOutput(logits, output);
    }
}

/// <summary>Creates the prediction mapping of a saved multiclass classifier over a key-vector (token) column.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class RecurrentMulticlassTokenClassifierFactory : CustomMappingFactory<RecurrentTokensInput, RecurrentMulticlassOutput>
{
    /// <summary>The contract name recorded in saved models.</summary>
    public const string ContractName = "Recurrent.MulticlassTokenClassifier.v1";

    /// <inheritdoc/>
    public override Action<RecurrentTokensInput, RecurrentMulticlassOutput> GetMapping() => Map;

    internal static void Map(RecurrentTokensInput input, RecurrentMulticlassOutput output)
    {
        var model = RecurrentModelCache.Get(input.Model);
        Span<float> logits = stackalloc float[model.Bundle.LabelNames!.Count];
        model.PredictLogits(input.Tokens, logits);
        RecurrentMulticlassTextClassifierFactory.SetOutput(model.Bundle.LabelNames!, logits, output);
    }
}
