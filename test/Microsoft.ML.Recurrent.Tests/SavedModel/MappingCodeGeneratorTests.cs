using Microsoft.ML.Transforms;

namespace Microsoft.ML.Recurrent.PluginTests.SavedModel;

/// <summary>
/// The generated mapping code is what its generator writes, and declares exactly the contract names that saved
/// models record (a name missing here would make old .zip files fail to load).
/// </summary>
[TestClass]
public sealed class MappingCodeGeneratorTests
{
    private const string RegenerateVariable = "RECURRENT_REGENERATE";

    /// <summary>Every contract name a .zip saved since 0.1.0 may record: never remove one.</summary>
    private static readonly string[] V1Contracts =
    [
        "Recurrent.ModelKey.v1", "Recurrent.BinaryTextClassifier.v1", "Recurrent.BinaryTokenClassifier.v1",
        "Recurrent.MulticlassTextClassifier.v1", "Recurrent.MulticlassTokenClassifier.v1", "Recurrent.SeriesRegressor.v1",
        "Recurrent.NextToken.v1", "Recurrent.SequenceTagger.v1", "Recurrent.SequenceToSequence.v1",
        "Recurrent.Featurizer.F16.v1", "Recurrent.Featurizer.F32.v1", "Recurrent.Featurizer.F64.v1", "Recurrent.Featurizer.F128.v1",
        "Recurrent.Featurizer.F256.v1", "Recurrent.Featurizer.F512.v1", "Recurrent.Featurizer.F1024.v1",
        "Recurrent.TextAttribution.v1", "Recurrent.TokenAttribution.v1", // the opt-in attribution columns
    ];

    [TestMethod]
    public void GeneratedFile_IsWhatTheGeneratorWrites()
    {
        string path = Path.Combine(RepositoryRoot(), "src", "Microsoft.ML.Recurrent", "SavedModel", "MappingFactories.g.cs");
        string expected = MappingCodeGenerator.Generate();
        string actual = File.ReadAllText(path).ReplaceLineEndings("\n");
        if (actual != expected && Environment.GetEnvironmentVariable(RegenerateVariable) == "1")
        {
            File.WriteAllText(path, expected);
            Assert.Inconclusive($"Regenerated {path}: review and commit it.");
        }
        Assert.AreEqual(expected, actual, $"{path} differs from what MappingCodeGenerator writes: never edit it by hand; run this test with {RegenerateVariable}=1.");
    }

    [TestMethod]
    public void Factories_DeclareExactlyTheV1ContractNames()
    {
        var declared = typeof(RecurrentCatalog).Assembly.GetTypes()
            .Select(t => t.GetCustomAttributes(typeof(CustomMappingFactoryAttributeAttribute), false).Cast<CustomMappingFactoryAttributeAttribute>().SingleOrDefault())
            .Where(a => a is not null)
            .Select(a => a!.ContractName)
            .Order(StringComparer.Ordinal)
            .ToArray();
        CollectionAssert.AreEqual(V1Contracts.Order(StringComparer.Ordinal).ToArray(), declared);
        CollectionAssert.AreEquivalent(V1Contracts, MappingCodeGenerator.ContractNames.ToArray(), "the generator's table");
    }

    // The folder that holds MlNetRnn.sln, above the test binaries.
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MlNetRnn.sln")))
            {
                return dir.FullName;
            }
        }
        throw new AssertFailedException($"MlNetRnn.sln not found above {AppContext.BaseDirectory}.");
    }
}
