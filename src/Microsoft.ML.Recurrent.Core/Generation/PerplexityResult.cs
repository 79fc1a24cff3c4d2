namespace Microsoft.ML.Recurrent.Generation;

/// <summary>The loss of a language model on a text.</summary>
/// <param name="NatsPerToken">Mean negative log-likelihood per predicted token, in nats.</param>
/// <param name="Perplexity">exp(<paramref name="NatsPerToken"/>).</param>
/// <param name="TokenCount">Tokens predicted: the text's token count minus one.</param>
public sealed record PerplexityResult(double NatsPerToken, double Perplexity, long TokenCount);
