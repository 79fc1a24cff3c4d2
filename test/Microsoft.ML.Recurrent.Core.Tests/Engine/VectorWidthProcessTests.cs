using System.Diagnostics;

namespace Microsoft.ML.Recurrent.Tests.Engine;

/// <summary>
/// Every vector width gives the same bits: <see cref="WidthProbe"/>'s fixtures and GEMMs, computed here at the
/// machine's widest vectors, are computed again in child processes whose .NET switches allow only narrower ones
/// (docs/vector-widths.md), each of which also checks PyTorch's values and 1 = 2 = 3 threads bit for bit.
/// </summary>
[TestClass]
public sealed class VectorWidthProcessTests
{
    private static string? _native;

    [TestMethod]
    // AVX2 + FMA, 16 ymm registers: an AVX2 machine.
    [DataRow(256, "DOTNET_EnableAVX512=0")]
    // Vector128 with FMA: the shape of Arm NEON.
    [DataRow(128, "DOTNET_EnableAVX512=0 DOTNET_PreferredVectorBitWidth=128")]
    // Vector128 without FMA (x86-64-v2): the GEMM takes its scalar path and FMA is computed in software.
    [DataRow(128, "DOTNET_EnableAVX2=0")]
    public void FixturesAndGemm_ForcedNarrowerVectors_BitIdenticalToWidest(int width, string switches)
    {
        _native ??= WidthProbe.Line();
        string native = _native;
        string child = RunChild(switches);
        // On a machine narrower than `width` the switches change nothing: the child then runs at the machine's width.
        int expectedWidest = Math.Min(width, WidthProbe.Widest);
        StringAssert.Contains(child, $"widest={expectedWidest} ", $"the switches {switches} should leave {expectedWidest}-bit vectors: {child}");
        Assert.AreEqual(DigestOf(native), DigestOf(child), $"results at the widest vectors ({native}) and with {switches} ({child}) differ");
    }

    private static string DigestOf(string line) => line[(line.IndexOf("digest=", StringComparison.Ordinal) + "digest=".Length)..].Trim();

    private static string RunChild(string switches)
    {
        string assembly = typeof(WidthProbe).Assembly.Location;
        var start = new ProcessStartInfo(DotnetHost())
        {
            ArgumentList = { assembly, WidthProbe.Argument },
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (string pair in switches.Split(' '))
        {
            string[] nameValue = pair.Split('=');
            start.Environment[nameValue[0]] = nameValue[1];
        }
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.IsTrue(process.WaitForExit(TimeSpan.FromMinutes(5)), $"the child with {switches} did not finish");
        Assert.AreEqual(0, process.ExitCode, $"the child with {switches} failed:\n{stdout}\n{stderr.Result}");
        return stdout.Trim();
    }

    // The host running these tests when it is dotnet itself, else DOTNET_HOST_PATH (set by the SDK), else dotnet on the PATH.
    private static string DotnetHost()
    {
        string? current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet")
        {
            return current;
        }
        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
    }
}
