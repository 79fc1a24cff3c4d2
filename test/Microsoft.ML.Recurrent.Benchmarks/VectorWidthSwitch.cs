using System.Diagnostics;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// <c>throughput --width 512|256|128</c>: the run happens in a child process whose environment holds .NET's own
/// instruction-set switches, so that any machine can show how the engine does on a narrower one; <c>--compare</c> then
/// runs PyTorch at the matching capability (<see cref="TorchEnvironment"/>), in that command alone.
/// </summary>
/// <remarks>
/// The .NET 10 switches, checked on an AVX-512 Xeon (what Vector512/256/128.IsHardwareAccelerated and Fma.IsSupported
/// report): DOTNET_EnableAVX512F=0 no longer does anything (the switch is now DOTNET_EnableAVX512);
/// DOTNET_EnableAVX512=0 leaves AVX2 + FMA with 16 ymm registers (an AVX2 machine); DOTNET_EnableAVX2=0 also turns
/// FMA off (a pre-2013 x86), so 128-bit is forced with DOTNET_PreferredVectorBitWidth=128 instead, which keeps FMA:
/// Vector128 with fused multiply-add, the shape of Arm NEON.
/// </remarks>
internal static class VectorWidthSwitch
{
    /// <summary>Set in the child's environment: the width it was started for (so that it does not start another).</summary>
    private const string Marker = "RECURRENT_BENCH_WIDTH";

    /// <summary>The widths <c>--width</c> accepts.</summary>
    public static readonly int[] Widths = [512, 256, 128];

    /// <summary>The .NET switches that make a process see at most <paramref name="width"/>-bit vectors.</summary>
    public static IReadOnlyList<(string Name, string Value)> DotnetEnvironment(int width) => width switch
    {
        512 => [],
        256 => [("DOTNET_EnableAVX512", "0"), ("DOTNET_EnableAVX512F", "0")],
        128 => [("DOTNET_EnableAVX512", "0"), ("DOTNET_EnableAVX512F", "0"), ("DOTNET_PreferredVectorBitWidth", "128")],
        _ => throw new ArgumentOutOfRangeException(nameof(width), width, "--width must be 512, 256 or 128."),
    };

    /// <summary>PyTorch's switches for the same width: ATen's kernels, OpenBLAS's core type and oneDNN's ISA.</summary>
    public static IReadOnlyList<(string Name, string Value)> TorchEnvironment(int width) => width switch
    {
        512 => [("ATEN_CPU_CAPABILITY", "avx512"), ("OPENBLAS_CORETYPE", "SkylakeX"), ("ONEDNN_MAX_CPU_ISA", "AVX512_CORE")],
        256 => [("ATEN_CPU_CAPABILITY", "avx2"), ("OPENBLAS_CORETYPE", "Haswell"), ("ONEDNN_MAX_CPU_ISA", "AVX2")],
        128 => [("ATEN_CPU_CAPABILITY", "default"), ("OPENBLAS_CORETYPE", "Prescott"), ("ONEDNN_MAX_CPU_ISA", "SSE41")],
        _ => throw new ArgumentOutOfRangeException(nameof(width), width, "--width must be 512, 256 or 128."),
    };

    /// <summary>True in the process started for <paramref name="width"/> (the switches are already in force).</summary>
    public static bool IsChildFor(int width) => Environment.GetEnvironmentVariable(Marker) == width.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Runs this program again with the same arguments and the switches of <paramref name="width"/>; returns its exit code.</summary>
    public static int RunChild(int width, string[] args)
    {
        var start = SelfProcess.StartInfo(args);
        foreach (var (name, value) in DotnetEnvironment(width))
        {
            start.Environment[name] = value;
        }
        start.Environment[Marker] = width.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var child = Process.Start(start)!; // output goes straight to this console
        child.WaitForExit();
        return child.ExitCode;
    }

    /// <summary>What this process actually runs at, as one JSON line; null in <paramref name="error"/> when it is <paramref name="width"/>.</summary>
    public static string Describe(int width, out string? error)
    {
        int widest = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;
        error = widest == width ? null
            : $"--width {width}: this process accelerates {widest}-bit vectors at most (the machine or the runtime does not allow {width}).";
        return $"{{\"width\": {width}, \"vector512\": {Lower(Vector512.IsHardwareAccelerated)}, \"vector256\": {Lower(Vector256.IsHardwareAccelerated)}, "
            + $"\"vector128\": {Lower(Vector128.IsHardwareAccelerated)}, \"vector_t_floats\": {Vector<float>.Count}, \"fma\": {Lower(Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported)}, "
            + $"\"gemm_level\": \"{Gemm.HardwareLevel}\", \"switches\": \"{string.Join(' ', DotnetEnvironment(width).Select(e => $"{e.Name}={e.Value}"))}\"}}";
    }

    private static string Lower(bool value) => value ? "true" : "false";
}
