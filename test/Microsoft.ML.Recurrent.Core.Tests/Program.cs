using Microsoft.ML.Recurrent.Tests.Engine;

namespace Microsoft.ML.Recurrent.Tests;

/// <summary>
/// The test assembly's entry point (in place of the one Microsoft.NET.Test.Sdk generates, which does nothing): the test
/// host never calls it; <see cref="VectorWidthProcessTests"/> runs the assembly as a program with
/// <see cref="WidthProbe.Argument"/> in child processes limited to narrower vectors.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args is not [WidthProbe.Argument])
        {
            Console.Error.WriteLine($"This is a test assembly: run it with dotnet test (or {WidthProbe.Argument}).");
            return 2;
        }
        Console.WriteLine(WidthProbe.Line());
        return 0;
    }
}
