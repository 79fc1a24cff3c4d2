using System.Text.Json;

namespace Microsoft.ML.Recurrent.Tests;

/// <summary>Reads the PyTorch reference fixtures (format in ../shared/fixtures/recurrent/README.md).</summary>
internal sealed class FixtureFile : IDisposable
{
    private readonly JsonDocument _document;

    private FixtureFile(string path)
    {
        Path = path;
        _document = JsonDocument.Parse(File.ReadAllBytes(path));
    }

    public string Path { get; }

    public JsonElement Root => _document.RootElement;

    public static FixtureFile Open(string path) => new(path);

    /// <summary>The file names (no directory) of every fixture of the given kind, sorted.</summary>
    public static IEnumerable<object[]> Enumerate(string kind)
    {
        string dir = TestPaths.FixturesDirectory;
        if (!Directory.Exists(dir))
        {
            throw new DirectoryNotFoundException($"Fixture directory '{dir}' does not exist (RECURRENT_FIXTURES_DIR or ../shared/fixtures/recurrent).");
        }
        foreach (string path in Directory.EnumerateFiles(dir, "*.json").Order(StringComparer.Ordinal))
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("kind", out var k) && k.GetString() == kind)
            {
                yield return [System.IO.Path.GetFileName(path)];
            }
        }
    }

    public static string Resolve(string fileName) => System.IO.Path.Combine(TestPaths.FixturesDirectory, fileName);

    public int Int(string name) => Root.GetProperty(name).GetInt32();

    public bool Bool(string name) => Root.GetProperty(name).GetBoolean();

    public string Str(string name) => Root.GetProperty(name).GetString()!;

    public double Number(string name) => Root.GetProperty(name).GetDouble();

    public int[] IntArray(string name) => Root.GetProperty(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public string[] Names(string name) => Root.GetProperty(name).EnumerateArray().Select(e => e.GetString()!).ToArray();

    public bool Has(string name) => Root.TryGetProperty(name, out _);

    public static double[] Tensor(JsonElement tensor) => tensor.GetProperty("data").EnumerateArray().Select(e => e.GetDouble()).ToArray();

    public static int[] Shape(JsonElement tensor) => tensor.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public double[] Tensor(string name) => Tensor(Root.GetProperty(name));

    public double[] Tensor(string dictionary, string name) => Tensor(Root.GetProperty(dictionary).GetProperty(name));

    public static float[] ToFloat(double[] values) => values.Select(v => (float)v).ToArray();

    public void Dispose() => _document.Dispose();
}
