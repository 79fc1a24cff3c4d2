namespace Microsoft.ML.Recurrent.Engine;

/// <summary>
/// The widest vectors a <see cref="RowLoop"/> may use (it never goes beyond what the hardware accelerates). Production
/// code takes the default, <see cref="Vector512"/>; tests pass each width to show that all of them agree bit for bit.
/// </summary>
internal enum VectorWidth
{
    /// <summary>One float at a time.</summary>
    Scalar = 1,

    /// <summary>4 floats (SSE, Arm NEON).</summary>
    Vector128 = 4,

    /// <summary>8 floats (AVX2).</summary>
    Vector256 = 8,

    /// <summary>16 floats (AVX-512).</summary>
    Vector512 = 16,
}
