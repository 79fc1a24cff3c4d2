using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Text;

namespace Microsoft.ML.Recurrent.Explainability;

/// <summary>
/// Per-token attribution for a token classifier (binary or multiclass) by integrated gradients over the embeddings
/// (Sundararajan, Taly and Yan, 2017). The attribution of token t is
/// <c>sum over e of x[t,e] * integral from 0 to 1 of d score(a * x) / d x[t,e] da</c>, where x is the sequence's
/// embedded input and the baseline is the zero embedding at every step (same length, so the length itself earns
/// nothing). The integral uses Gauss–Legendre quadrature with <see cref="Steps"/> nodes, all of them (and the input and
/// the baseline) in one batched forward/backward pass through the model per group of sequences.
/// </summary>
/// <remarks>
/// The score is the target class's log-odds, <c>z_c - log(sum over j != c of exp z_j)</c>; for a two-class model that
/// is the binary Score (logit(true) - logit(false)) with the sign of the class. Completeness:
/// the values sum to <c>score(input) - score(baseline)</c> up to the integration error
/// (<see cref="TokenAttribution.CompletenessError"/>). Why the zero embedding: it is the one input that carries no
/// token's information whatever the vocabulary (the UNK embedding is learned and can lean towards a class; the padding
/// embedding is never trained and is just its random initial value). Not thread-safe (it owns a workspace): use one
/// instance per thread. The model is only read.
/// </remarks>
public sealed class IntegratedGradients
{
    /// <summary>Default number of quadrature nodes: 32 keeps the completeness error of trained classifiers well under 1% of the score difference (see docs/explain.md).</summary>
    public const int DefaultSteps = 32;

    /// <summary>At most this many nodes.</summary>
    public const int MaxSteps = 1024;

    // Rows (sequence x node) per batched pass: enough to fill the vectorised kernels, few enough to keep buffers small.
    private const int RowsPerPass = 256;

    private readonly SequenceModel _model;
    private readonly ModelWorkspace _workspace;
    private readonly double[] _nodes;
    private readonly double[] _weights;

    /// <summary>Creates an explainer for a token classifier.</summary>
    /// <param name="model">A classification model that reads tokens.</param>
    /// <param name="steps">Quadrature nodes, 1 to <see cref="MaxSteps"/>. Default <see cref="DefaultSteps"/>.</param>
    /// <exception cref="ArgumentException">The model is not a token classifier.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is out of range.</exception>
    public IntegratedGradients(SequenceModel model, int steps = DefaultSteps)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(steps, MaxSteps);
        if (model.Options.Task != SequenceTask.Classification || !model.Options.UsesTokens)
        {
            throw new ArgumentException($"Integrated gradients explain token classifiers; this model is a {model.Options.Task} model{(model.Options.UsesTokens ? "" : " over numeric features")}.", nameof(model));
        }
        if (model.Options.UsesCharacters)
        {
            throw new NotSupportedException("Integrated gradients are not yet available for character-aware models (CharacterVocabularySize > 0): only word embeddings are scaled towards the baseline, so the attributions would not add up to the score.");
        }
        _model = model;
        _workspace = model.CreateWorkspace();
        Steps = steps;
        (_nodes, _weights) = GaussLegendre.Nodes(steps);
    }

    /// <summary>Quadrature nodes per explained sequence.</summary>
    public int Steps { get; }

    /// <summary>Explains one sequence of token ids.</summary>
    /// <param name="tokens">Token ids, at least one, each below the vocabulary size.</param>
    /// <param name="targetClass">The class to explain; null explains the predicted class.</param>
    /// <returns>One value per token.</returns>
    /// <exception cref="ArgumentException">The sequence is empty or has an id out of range, or the class is out of range.</exception>
    public TokenAttribution Explain(int[] tokens, int? targetClass = null) => Explain([tokens], targetClass is int c ? [c] : null)[0];

    /// <summary>
    /// Tokenizes a text, keeps its first <paramref name="maxLength"/> tokens (as prediction does) and explains them.
    /// An empty text gives no values.
    /// </summary>
    /// <param name="sequencer">The model's tokenizer and vocabulary.</param>
    /// <param name="text">The text.</param>
    /// <param name="maxLength">Tokens after this many are cut off and get no value. Default: none are.</param>
    /// <param name="targetClass">The class to explain; null explains the predicted class.</param>
    /// <returns>The tokens read and one value per token.</returns>
    public TokenAttribution Explain(TextSequencer sequencer, string text, int maxLength = int.MaxValue, int? targetClass = null)
    {
        ArgumentNullException.ThrowIfNull(sequencer);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        string[] words = sequencer.Tokenizer.Tokenize(text);
        words = words.Length > maxLength ? words[..maxLength] : words;
        if (words.Length == 0)
        {
            return new TokenAttribution(targetClass ?? -1, [], 0, 0, []);
        }
        var result = Explain(sequencer.Vocabulary.Encode(words), targetClass);
        return new TokenAttribution(result.TargetClass, [.. result.Values], result.Score, result.BaselineScore, words);
    }

    /// <summary>Explains several sequences, batched together (sequences of different lengths share passes; padding is never read).</summary>
    /// <param name="sequences">Token-id sequences, each non-empty with ids below the vocabulary size.</param>
    /// <param name="targetClasses">One class per sequence, or null to explain each predicted class.</param>
    /// <returns>One attribution per sequence, in order.</returns>
    /// <exception cref="ArgumentException">A sequence is empty or has an id out of range, or a class is out of range.</exception>
    public IReadOnlyList<TokenAttribution> Explain(IReadOnlyList<int[]> sequences, IReadOnlyList<int>? targetClasses = null)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var examples = sequences.Select(s => SequenceExample.ForPrediction(s)).ToArray();
        _model.ValidateExamples(examples, requireTargets: false, nameof(sequences));
        int classes = _model.Options.HeadOutputs;
        if (targetClasses is not null)
        {
            if (targetClasses.Count != sequences.Count)
            {
                throw new ArgumentException($"There are {targetClasses.Count} target classes for {sequences.Count} sequences; give one per sequence.", nameof(targetClasses));
            }
            int bad = targetClasses.ToList().FindIndex(c => (uint)c >= (uint)classes);
            if (bad >= 0)
            {
                throw new ArgumentException($"Target class {targetClasses[bad]} (sequence {bad}) is out of range; allowed classes are 0..{classes - 1}.", nameof(targetClasses));
            }
        }
        var results = new TokenAttribution[examples.Length];
        int perPass = Math.Max(1, RowsPerPass / (Steps + 2));
        for (int first = 0; first < examples.Length; first += perPass)
        {
            int n = Math.Min(perPass, examples.Length - first);
            ExplainGroup(examples.AsSpan(first, n), targetClasses, first, results);
        }
        return results;
    }

    // Rows of a pass: per sequence, the baseline (scale 0), the input (scale 1), then the quadrature nodes.
    private void ExplainGroup(ReadOnlySpan<SequenceExample> group, IReadOnlyList<int>? targetClasses, int first, TokenAttribution[] results)
    {
        int rowsPer = Steps + 2, rows = group.Length * rowsPer, e = _model.Options.EmbeddingSize;
        var batch = new SequenceExample[rows];
        var scales = new float[rows];
        var targets = new int[rows];
        var scores = new double[rows];
        for (int i = 0; i < group.Length; i++)
        {
            int target = targetClasses?[first + i] ?? PredictedClass(group[i]);
            for (int k = 0; k < rowsPer; k++)
            {
                int r = i * rowsPer + k;
                batch[r] = group[i];
                scales[r] = k switch { 0 => 0f, 1 => 1f, _ => (float)_nodes[k - 2] };
                targets[r] = target;
            }
        }
        var gradient = _model.ScoreGradient(_workspace, batch, scales, targets, scores);
        var layout = _workspace.Recurrent.Layout;
        var embedding = _model.Parameters.GetValues(_model.Embedding!);
        for (int i = 0; i < group.Length; i++)
        {
            var tokens = group[i].Tokens!;
            var values = new float[tokens.Length];
            for (int t = 0; t < tokens.Length; t++)
            {
                var x = embedding.Slice(tokens[t] * e, e);
                double sum = 0;
                for (int k = 0; k < Steps; k++)
                {
                    var g = gradient.Slice(layout.RowOf(i * rowsPer + 2 + k, t) * e, e);
                    double dot = 0;
                    for (int j = 0; j < e; j++)
                    {
                        dot += (double)x[j] * g[j];
                    }
                    sum += _weights[k] * dot;
                }
                values[t] = (float)sum;
            }
            _model.AddNgramAttributions(_workspace, tokens, i * rowsPer + 2, _weights, values);
            results[first + i] = new TokenAttribution(targets[i * rowsPer], values, scores[i * rowsPer + 1], scores[i * rowsPer], null);
        }
    }

    private int PredictedClass(SequenceExample example)
    {
        _model.Forward(_workspace, new[] { example }, training: false, null, default, default);
        return System.Numerics.Tensors.TensorPrimitives.IndexOfMax(_workspace.Logits.AsSpan(0, _model.Options.HeadOutputs));
    }
}
