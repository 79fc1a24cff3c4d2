namespace Microsoft.ML.Recurrent.Seq2Seq;

/// <summary>How <c>Seq2SeqModel.Decode</c> searches for an output.</summary>
public sealed record Seq2SeqDecodeOptions
{
    /// <summary>Hypotheses kept per step: 1 is greedy decoding. Default 1; allowed 1 to 64.</summary>
    public int BeamWidth { get; init; } = 1;

    /// <summary>
    /// The most tokens written (EOS not counted); 0 means 2 * source length + 10 (100 without a source). Default 0;
    /// allowed 0 to 10000.
    /// </summary>
    public int MaxLength { get; init; }

    /// <summary>
    /// Length normalisation of the beam's finished hypotheses: score = log probability / (length + 1)^alpha, the +1 for
    /// EOS. 0 ranks by log probability alone. Default 1; allowed 0 to 4.
    /// </summary>
    public double LengthPenalty { get; init; } = 1.0;

    /// <summary>Throws when a value is outside its allowed range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BeamWidth, 1, nameof(BeamWidth));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BeamWidth, 64, nameof(BeamWidth));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLength, 0, nameof(MaxLength));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxLength, 10000, nameof(MaxLength));
        if (!(LengthPenalty >= 0 && LengthPenalty <= 4))
        {
            throw new ArgumentOutOfRangeException(nameof(LengthPenalty), LengthPenalty, "LengthPenalty must be in [0, 4].");
        }
    }

    internal int MaxLengthFor(int sourceLength) => MaxLength > 0 ? MaxLength : sourceLength > 0 ? 2 * sourceLength + 10 : 100;
}
