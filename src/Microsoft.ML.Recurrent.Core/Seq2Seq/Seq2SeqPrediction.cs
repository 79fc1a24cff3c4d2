namespace Microsoft.ML.Recurrent.Seq2Seq;

/// <summary>The output of <c>Seq2SeqModel.Decode</c> for one input.</summary>
/// <param name="Tokens">The output token ids, without BOS and EOS.</param>
/// <param name="Attention">
/// Per output token, and then for EOS when it was written (so <c>Tokens.Length</c> or <c>Tokens.Length + 1</c> rows), the
/// attention weights over the source tokens (each row sums to 1); empty rows when the model has no attention.
/// </param>
/// <param name="LogProbability">The sum of the log probabilities of the written tokens (EOS included when written).</param>
/// <param name="Finished">Whether the output ended with EOS (false when it stopped at the maximum length).</param>
public sealed record Seq2SeqPrediction(int[] Tokens, float[][] Attention, double LogProbability, bool Finished);
