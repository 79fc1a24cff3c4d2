namespace Microsoft.ML.Recurrent.Models;

/// <summary>What an n-gram ensemble's head gives (<see cref="SequenceModelOptions.NgramEnsemble"/>).</summary>
internal enum EnsembleView
{
    /// <summary>log of the mean of the two parts' probabilities: what the model predicts.</summary>
    Mean,

    /// <summary>The recurrent part's logits alone.</summary>
    Recurrent,

    /// <summary>The n-gram part's logits alone.</summary>
    Ngrams,
}
