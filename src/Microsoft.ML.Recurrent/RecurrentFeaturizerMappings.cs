using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.Recurrent;

// Fixed-size feature outputs of the recurrent featurizer. ML.NET forgets schema definitions when it reloads a
// CustomMapping, so the vector size must be declared by an attribute: one output class and one factory per size.
// The featurizer picks the smallest size that holds its state and pads with zeros. Part of the saved-model contract.

/// <summary>The sizes the recurrent featurizer's Features vector can have.</summary>
public static class RecurrentFeatureSizes
{
    /// <summary>The supported sizes, ascending.</summary>
    public static IReadOnlyList<int> All { get; } = [16, 32, 64, 128, 256, 512, 1024];

    /// <summary>The smallest supported size that holds <paramref name="stateSize"/> values.</summary>
    public static int For(int stateSize) => All.FirstOrDefault(s => s >= stateSize) is int size and > 0
        ? size
        : throw new ArgumentOutOfRangeException(nameof(stateSize), stateSize, $"The featurizer's state has {stateSize} values; at most {All[^1]} are supported.");

    internal static IEstimator<ITransformer> Mapping(MLContext context, int size) => size switch
    {
        16 => context.Transforms.CustomMapping<RecurrentTextInput, RecurrentFeatures16>(RecurrentFeaturizer16Factory.Map, RecurrentFeaturizer16Factory.ContractName),
        32 => context.Transforms.CustomMapping<RecurrentTextInput, RecurrentFeatures32>(RecurrentFeaturizer32Factory.Map, RecurrentFeaturizer32Factory.ContractName),
        64 => context.Transforms.CustomMapping<RecurrentTextInput, RecurrentFeatures64>(RecurrentFeaturizer64Factory.Map, RecurrentFeaturizer64Factory.ContractName),
        128 => context.Transforms.CustomMapping<RecurrentTextInput, RecurrentFeatures128>(RecurrentFeaturizer128Factory.Map, RecurrentFeaturizer128Factory.ContractName),
        256 => context.Transforms.CustomMapping<RecurrentTextInput, RecurrentFeatures256>(RecurrentFeaturizer256Factory.Map, RecurrentFeaturizer256Factory.ContractName),
        512 => context.Transforms.CustomMapping<RecurrentTextInput, RecurrentFeatures512>(RecurrentFeaturizer512Factory.Map, RecurrentFeaturizer512Factory.ContractName),
        1024 => context.Transforms.CustomMapping<RecurrentTextInput, RecurrentFeatures1024>(RecurrentFeaturizer1024Factory.Map, RecurrentFeaturizer1024Factory.ContractName),
        _ => throw new ArgumentOutOfRangeException(nameof(size), size, "Unsupported feature size."),
    };
}

/// <summary>A 16-value feature vector.</summary>
public sealed class RecurrentFeatures16
{
    /// <summary>The final recurrent state, zero-padded to 16 values.</summary>
    [ColumnName(RecurrentColumnNames.Features)]
    [VectorType(16)]
    public float[] Features { get; set; } = new float[16];
}

/// <summary>Creates the 16-value featurizer mapping of a saved model.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class RecurrentFeaturizer16Factory : CustomMappingFactory<RecurrentTextInput, RecurrentFeatures16>
{
    /// <summary>The contract name recorded in saved models.</summary>
    public const string ContractName = "Recurrent.Featurizer.F16.v1";

    /// <inheritdoc/>
    public override Action<RecurrentTextInput, RecurrentFeatures16> GetMapping() => Map;

    internal static void Map(RecurrentTextInput input, RecurrentFeatures16 output)
    {
        var features = new float[16];
        RecurrentModelCache.Get(input.Model).Featurize(input.Text, features);
        output.Features = features;
    }
}

/// <summary>A 32-value feature vector.</summary>
public sealed class RecurrentFeatures32
{
    /// <summary>The final recurrent state, zero-padded to 32 values.</summary>
    [ColumnName(RecurrentColumnNames.Features)]
    [VectorType(32)]
    public float[] Features { get; set; } = new float[32];
}

/// <summary>Creates the 32-value featurizer mapping of a saved model.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class RecurrentFeaturizer32Factory : CustomMappingFactory<RecurrentTextInput, RecurrentFeatures32>
{
    /// <summary>The contract name recorded in saved models.</summary>
    public const string ContractName = "Recurrent.Featurizer.F32.v1";

    /// <inheritdoc/>
    public override Action<RecurrentTextInput, RecurrentFeatures32> GetMapping() => Map;

    internal static void Map(RecurrentTextInput input, RecurrentFeatures32 output)
    {
        var features = new float[32];
        RecurrentModelCache.Get(input.Model).Featurize(input.Text, features);
        output.Features = features;
    }
}

/// <summary>A 64-value feature vector.</summary>
public sealed class RecurrentFeatures64
{
    /// <summary>The final recurrent state, zero-padded to 64 values.</summary>
    [ColumnName(RecurrentColumnNames.Features)]
    [VectorType(64)]
    public float[] Features { get; set; } = new float[64];
}

/// <summary>Creates the 64-value featurizer mapping of a saved model.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class RecurrentFeaturizer64Factory : CustomMappingFactory<RecurrentTextInput, RecurrentFeatures64>
{
    /// <summary>The contract name recorded in saved models.</summary>
    public const string ContractName = "Recurrent.Featurizer.F64.v1";

    /// <inheritdoc/>
    public override Action<RecurrentTextInput, RecurrentFeatures64> GetMapping() => Map;

    internal static void Map(RecurrentTextInput input, RecurrentFeatures64 output)
    {
        var features = new float[64];
        RecurrentModelCache.Get(input.Model).Featurize(input.Text, features);
        output.Features = features;
    }
}

/// <summary>A 128-value feature vector.</summary>
public sealed class RecurrentFeatures128
{
    /// <summary>The final recurrent state, zero-padded to 128 values.</summary>
    [ColumnName(RecurrentColumnNames.Features)]
    [VectorType(128)]
    public float[] Features { get; set; } = new float[128];
}

/// <summary>Creates the 128-value featurizer mapping of a saved model.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class RecurrentFeaturizer128Factory : CustomMappingFactory<RecurrentTextInput, RecurrentFeatures128>
{
    /// <summary>The contract name recorded in saved models.</summary>
    public const string ContractName = "Recurrent.Featurizer.F128.v1";

    /// <inheritdoc/>
    public override Action<RecurrentTextInput, RecurrentFeatures128> GetMapping() => Map;

    internal static void Map(RecurrentTextInput input, RecurrentFeatures128 output)
    {
        var features = new float[128];
        RecurrentModelCache.Get(input.Model).Featurize(input.Text, features);
        output.Features = features;
    }
}

/// <summary>A 256-value feature vector.</summary>
public sealed class RecurrentFeatures256
{
    /// <summary>The final recurrent state, zero-padded to 256 values.</summary>
    [ColumnName(RecurrentColumnNames.Features)]
    [VectorType(256)]
    public float[] Features { get; set; } = new float[256];
}

/// <summary>Creates the 256-value featurizer mapping of a saved model.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class RecurrentFeaturizer256Factory : CustomMappingFactory<RecurrentTextInput, RecurrentFeatures256>
{
    /// <summary>The contract name recorded in saved models.</summary>
    public const string ContractName = "Recurrent.Featurizer.F256.v1";

    /// <inheritdoc/>
    public override Action<RecurrentTextInput, RecurrentFeatures256> GetMapping() => Map;

    internal static void Map(RecurrentTextInput input, RecurrentFeatures256 output)
    {
        var features = new float[256];
        RecurrentModelCache.Get(input.Model).Featurize(input.Text, features);
        output.Features = features;
    }
}

/// <summary>A 512-value feature vector.</summary>
public sealed class RecurrentFeatures512
{
    /// <summary>The final recurrent state, zero-padded to 512 values.</summary>
    [ColumnName(RecurrentColumnNames.Features)]
    [VectorType(512)]
    public float[] Features { get; set; } = new float[512];
}

/// <summary>Creates the 512-value featurizer mapping of a saved model.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class RecurrentFeaturizer512Factory : CustomMappingFactory<RecurrentTextInput, RecurrentFeatures512>
{
    /// <summary>The contract name recorded in saved models.</summary>
    public const string ContractName = "Recurrent.Featurizer.F512.v1";

    /// <inheritdoc/>
    public override Action<RecurrentTextInput, RecurrentFeatures512> GetMapping() => Map;

    internal static void Map(RecurrentTextInput input, RecurrentFeatures512 output)
    {
        var features = new float[512];
        RecurrentModelCache.Get(input.Model).Featurize(input.Text, features);
        output.Features = features;
    }
}

/// <summary>A 1024-value feature vector.</summary>
public sealed class RecurrentFeatures1024
{
    /// <summary>The final recurrent state, zero-padded to 1024 values.</summary>
    [ColumnName(RecurrentColumnNames.Features)]
    [VectorType(1024)]
    public float[] Features { get; set; } = new float[1024];
}

/// <summary>Creates the 1024-value featurizer mapping of a saved model.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class RecurrentFeaturizer1024Factory : CustomMappingFactory<RecurrentTextInput, RecurrentFeatures1024>
{
    /// <summary>The contract name recorded in saved models.</summary>
    public const string ContractName = "Recurrent.Featurizer.F1024.v1";

    /// <inheritdoc/>
    public override Action<RecurrentTextInput, RecurrentFeatures1024> GetMapping() => Map;

    internal static void Map(RecurrentTextInput input, RecurrentFeatures1024 output)
    {
        var features = new float[1024];
        RecurrentModelCache.Get(input.Model).Featurize(input.Text, features);
        output.Features = features;
    }
}
