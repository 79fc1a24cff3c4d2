using System.Globalization;
using System.IO.Compression;
using System.Xml.Linq;

namespace Microsoft.ML.Recurrent.PluginTests.Packaging;

/// <summary>
/// What a user installs: the two packages packed from this build into a local folder, and a separate console app that
/// references only Microsoft.ML and Microsoft.ML.Recurrent from that folder (no ProjectReference), restored, built and
/// run in its own process, where it loads a <c>.zip</c> saved here and must predict exactly what this process predicts.
/// </summary>
[TestClass]
public sealed class PackageConsumerTests
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static readonly TimeSpan _commandTimeout = TimeSpan.FromMinutes(5);

    private const string ConsumerProgram = """
        using System.Globalization;
        using Microsoft.ML;

        var mlContext = new MLContext();
        var model = mlContext.Model.Load(args[0], out _);
        var engine = mlContext.Model.CreatePredictionEngine<Input, Output>(model);
        foreach (string line in File.ReadAllLines(args[1]))
        {
            var p = engine.Predict(new Input { Text = line });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p.PredictedLabel}\t{p.Probability:R}\t{p.Score:R}"));
        }
        Console.WriteLine(typeof(Microsoft.ML.Recurrent.RecurrentCatalog).Assembly.Location);

        public sealed class Input
        {
            public string Text { get; set; } = "";

            public bool Label { get; set; }
        }

        public sealed class Output
        {
            public bool PredictedLabel { get; set; }

            public float Probability { get; set; }

            public float Score { get; set; }
        }
        """;

    [TestMethod]
    [TestCategory("Slow")]
    public void PackedPackages_InstallIntoASeparateApp_ThatPredictsIdentically()
    {
        string repo = RepositoryRoot();
        string work = Directory.CreateTempSubdirectory("recurrent-package-").FullName;
        try
        {
            // A version of its own, so no earlier package of the same version in any NuGet cache can stand in for this build's.
            string version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
            string feed = Path.Combine(work, "feed");
            foreach (string project in new[] { "src/Microsoft.ML.Recurrent.Core/Microsoft.ML.Recurrent.Core.csproj", "src/Microsoft.ML.Recurrent/Microsoft.ML.Recurrent.csproj" })
            {
                var pack = ChildProcess.Run("dotnet", ["pack", Path.Combine(repo, project), "-c", Configuration, "--no-build", "-o", feed,
                    $"-p:PackageVersion={version}", "-nodeReuse:false"], _commandTimeout, repo);
                Assert.AreEqual(0, pack.ExitCode, $"dotnet pack {project}: {pack}");
            }
            AssertPluginPackageMetadata(Path.Combine(feed, $"Microsoft.ML.Recurrent.{version}.nupkg"), version);

            var (modelPath, inputPath, expected) = SaveAModel(work);
            string consumer = WriteConsumer(work, repo, feed, version);
            var build = ChildProcess.Run("dotnet", ["build", consumer, "-c", "Release", "-nodeReuse:false"], _commandTimeout, work);
            Assert.AreEqual(0, build.ExitCode, $"building the consumer from the packages: {build}");

            string dll = Path.Combine(Path.GetDirectoryName(consumer)!, "bin", "Release", "net10.0", "Consumer.dll");
            var run = ChildProcess.Run("dotnet", [dll, modelPath, inputPath], _commandTimeout, work);
            Assert.AreEqual(0, run.ExitCode, $"the consumer: {run}");
            string[] lines = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.AreEqual(expected.Count + 1, lines.Length, run.ToString());
            StringAssert.StartsWith(lines[^1], Path.GetDirectoryName(dll)!, "the plugin the consumer ran is the one restored from the package, copied beside it");
            for (int i = 0; i < expected.Count; i++)
            {
                string[] parts = lines[i].Split('\t');
                Assert.AreEqual(expected[i].PredictedLabel, bool.Parse(parts[0]), $"label of row {i}");
                Assert.AreEqual(expected[i].Probability, float.Parse(parts[1], CultureInfo.InvariantCulture), $"probability of row {i}");
                Assert.AreEqual(expected[i].Score, float.Parse(parts[2], CultureInfo.InvariantCulture), $"score of row {i}");
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    // Trains a small classifier here, saves it, and records this process's predictions for the consumer's input.
    private static (string Model, string Input, List<RecurrentTextBinaryTrainerTests.Prediction> Expected) SaveAModel(string work)
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(RecurrentTextBinaryTrainerTests.Sentences(120, 6));
        var model = ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options { Epochs = 3, HiddenSize = 16, EmbeddingSize = 16, Seed = 1 }).Fit(data);
        string modelPath = Path.Combine(work, "model.zip"), inputPath = Path.Combine(work, "input.txt");
        ml.Model.Save(model, data.Schema, modelPath);
        var sentences = RecurrentTextBinaryTrainerTests.Sentences(20, 7).Select(r => r.Text).Append("").Append("words never seen in training").ToList();
        File.WriteAllLines(inputPath, sentences);
        var engine = ml.Model.CreatePredictionEngine<RecurrentTextBinaryTrainerTests.Row, RecurrentTextBinaryTrainerTests.Prediction>(model);
        return (modelPath, inputPath, sentences.Select(s => engine.Predict(new RecurrentTextBinaryTrainerTests.Row { Text = s })).ToList());
    }

    // A console project that knows the two packages by version only, restored from the local folder and the repository's
    // own package sources, into a packages folder of its own (the machine's cache serves as a read-only fallback).
    private static string WriteConsumer(string work, string repo, string feed, string version)
    {
        string dir = Path.Combine(work, "consumer");
        Directory.CreateDirectory(dir);
        string globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string fallback = Directory.Exists(globalPackages) ? $"<RestoreFallbackFolders>{globalPackages}</RestoreFallbackFolders>" : "";
        File.WriteAllText(Path.Combine(dir, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <RestorePackagesPath>{Path.Combine(work, "packages")}</RestorePackagesPath>
                {fallback}
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Microsoft.ML" Version="5.0.1" />
                <PackageReference Include="Microsoft.ML.Recurrent" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(dir, "Program.cs"), ConsumerProgram);
        var config = XDocument.Load(Path.Combine(repo, "NuGet.config"));
        var sources = config.Root!.Element("packageSources")!;
        sources.Element("clear")!.AddAfterSelf(new XElement("add", new XAttribute("key", "local-test-feed"), new XAttribute("value", feed)));
        config.Save(Path.Combine(dir, "NuGet.config"));
        return Path.Combine(dir, "Consumer.csproj");
    }

    // What `dotnet add package` users see: license, readme, description, tags, and the dependencies.
    private static void AssertPluginPackageMetadata(string nupkg, string version)
    {
        Assert.IsTrue(File.Exists(nupkg), $"no package at {nupkg}");
        using var archive = ZipFile.OpenRead(nupkg);
        Assert.IsNotNull(archive.GetEntry("README.md"), "the package carries its readme");
        Assert.IsNotNull(archive.GetEntry("lib/net10.0/Microsoft.ML.Recurrent.dll"), "the plugin assembly");
        using var stream = archive.GetEntry("Microsoft.ML.Recurrent.nuspec")!.Open();
        var nuspec = XDocument.Load(stream);
        XNamespace ns = nuspec.Root!.Name.Namespace;
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        Assert.AreEqual("MIT", metadata.Element(ns + "license")?.Value);
        Assert.AreEqual("README.md", metadata.Element(ns + "readme")?.Value);
        Assert.IsFalse(string.IsNullOrWhiteSpace(metadata.Element(ns + "description")?.Value), "description");
        StringAssert.Contains(metadata.Element(ns + "tags")?.Value, "ML.NET");
        var dependencies = metadata.Descendants(ns + "dependency").ToDictionary(d => d.Attribute("id")!.Value, d => d.Attribute("version")!.Value);
        Assert.AreEqual(version, dependencies["Microsoft.ML.Recurrent.Core"], "the engine's package, packed beside it");
        Assert.AreEqual("5.0.1", dependencies["Microsoft.ML"], "Microsoft.ML >= 5.0.1");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MlNetRnn.sln")))
            {
                return dir.FullName;
            }
        }
        throw new AssertFailedException($"MlNetRnn.sln not found above {AppContext.BaseDirectory}");
    }
}
