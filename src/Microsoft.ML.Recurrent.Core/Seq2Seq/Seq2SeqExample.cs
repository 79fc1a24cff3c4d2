namespace Microsoft.ML.Recurrent.Seq2Seq;

/// <summary>One training or evaluation pair of a <see cref="Seq2SeqModel"/>: token ids in, token ids out.</summary>
/// <param name="Source">Source token ids (at least one when the model has a source vocabulary; empty otherwise).</param>
/// <param name="Target">Target token ids without BOS or EOS (the model adds both); may be empty.</param>
/// <param name="Features">The feature vector (<see cref="Seq2SeqOptions.FeatureSize"/> values), or null when the model has none.</param>
public sealed record Seq2SeqExample(int[] Source, int[] Target, float[]? Features = null);
