namespace Microsoft.ML.Recurrent.Layers;

/// <summary>The recurrent cell of a layer, with PyTorch's equations and gate order.</summary>
public enum RecurrentCellKind
{
    /// <summary>Vanilla RNN, h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (PyTorch <c>nn.RNN</c>, nonlinearity 'tanh').</summary>
    RnnTanh,

    /// <summary>Vanilla RNN with ReLU, h' = max(0, W_ih x + b_ih + W_hh h + b_hh).</summary>
    RnnRelu,

    /// <summary>LSTM, gates in the order i, f, g, o (PyTorch <c>nn.LSTM</c>).</summary>
    Lstm,

    /// <summary>GRU, gates in the order r, z, n, the reset gate applied after the hidden product (PyTorch <c>nn.GRU</c>).</summary>
    Gru,
}
