namespace Microsoft.ML.Recurrent.Models;

/// <summary>What a sequence model predicts.</summary>
public enum SequenceTask
{
    /// <summary>Many-to-one: one class per sequence (softmax over 2..N classes).</summary>
    Classification,

    /// <summary>Many-to-many: the next token at every valid step (softmax over the vocabulary).</summary>
    LanguageModel,

    /// <summary>Aligned many-to-many: one label per input step (bidirectional by default).</summary>
    Tagging,

    /// <summary>Many-to-one regression / forecasting: one or several numbers per sequence (mean squared error).</summary>
    Regression,
}

/// <summary>How a many-to-one head summarises the recurrent outputs of a sequence.</summary>
public enum SequencePooling
{
    /// <summary>The top layer's last valid state: forward at the last valid step, reverse at step 0 (PyTorch's h_n).</summary>
    Last,

    /// <summary>The mean of the top layer's outputs over the valid steps.</summary>
    Mean,

    /// <summary>The elementwise maximum of the top layer's outputs over the valid steps.</summary>
    Max,

    /// <summary>
    /// ULMFiT's concat pooling: <see cref="Last"/>, <see cref="Max"/> and <see cref="Mean"/> side by side, so the head reads
    /// three times the recurrent width (PyTorch: <c>torch.cat([h_last, x.max(1), x.mean(1)], 1)</c> over the valid steps).
    /// </summary>
    Concat,
}
