namespace Microsoft.ML.Recurrent.Layers;

/// <summary>The shape of a (possibly stacked, possibly bidirectional) recurrent layer.</summary>
public sealed record RecurrentLayerOptions
{
    /// <summary>The cell. Default: <see cref="RecurrentCellKind.Lstm"/>.</summary>
    public RecurrentCellKind Cell { get; init; } = RecurrentCellKind.Lstm;

    /// <summary>Features per time step of the input (I). Required, at least 1.</summary>
    public int InputSize { get; init; }

    /// <summary>Features of the hidden state (H). Required, at least 1.</summary>
    public int HiddenSize { get; init; }

    /// <summary>Number of stacked layers (L). Default 1; allowed 1 to 64.</summary>
    public int NumLayers { get; init; } = 1;

    /// <summary>Whether each layer also runs a reverse direction (within each sequence's valid length). Default false.</summary>
    public bool Bidirectional { get; init; }

    /// <summary>Whether the layer has the two bias vectors <c>bias_ih</c> and <c>bias_hh</c>. Default true.</summary>
    public bool Bias { get; init; } = true;

    /// <summary>Number of directions: 2 when <see cref="Bidirectional"/>, else 1.</summary>
    public int NumDirections => Bidirectional ? 2 : 1;

    /// <summary>Number of gates: LSTM 4, GRU 3, RNN 1.</summary>
    public int GateCount => Cell switch
    {
        RecurrentCellKind.Lstm => 4,
        RecurrentCellKind.Gru => 3,
        _ => 1,
    };

    /// <summary>Throws when a value is outside its allowed range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range or the cell is unknown.</exception>
    public void Validate()
    {
        if (!Enum.IsDefined(Cell))
        {
            throw new ArgumentOutOfRangeException(nameof(Cell), Cell, "Cell must be RnnTanh, RnnRelu, Lstm or Gru.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(InputSize, 1, nameof(InputSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(HiddenSize, 1, nameof(HiddenSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(NumLayers, 1, nameof(NumLayers));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(NumLayers, 64, nameof(NumLayers));
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)HiddenSize * GateCount * Math.Max(InputSize, NumDirections * HiddenSize), 1L << 28, "HiddenSize");
    }
}
