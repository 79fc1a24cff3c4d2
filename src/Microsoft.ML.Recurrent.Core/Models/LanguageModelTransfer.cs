namespace Microsoft.ML.Recurrent.Models;

/// <summary>
/// ULMFiT's transfer step: a trained language model becomes the encoder of a classifier, regressor or tagger. The new
/// model copies the language model's embedding and recurrent stack exactly and adds a fresh head; it reads the
/// language model's token ids, so it must use the language model's tokenizer and vocabulary.
/// </summary>
/// <remarks>
/// A language model runs forward only, so the new model is unidirectional whatever its task's default (a tagger too):
/// there are no trained weights for a reverse direction. Fine-tune it with <see cref="Training.TrainerOptions.FineTuning"/>
/// (discriminative learning rates, gradual unfreezing) and a <see cref="Training.SlantedTriangularLRSchedule"/>.
/// </remarks>
public static class LanguageModelTransfer
{
    /// <summary>Creates a model whose encoder is a copy of <paramref name="languageModel"/>'s.</summary>
    /// <param name="languageModel">A model with <see cref="SequenceTask.LanguageModel"/>; not modified.</param>
    /// <param name="task">The new model's task: Classification, Regression or Tagging.</param>
    /// <param name="outputSize">Classes (Classification, Tagging; at least 2) or outputs (Regression; at least 1).</param>
    /// <param name="pooling">How a many-to-one head summarises a sequence; ULMFiT uses <see cref="SequencePooling.Concat"/>.</param>
    /// <param name="seed">Seed of the fresh head's weights.</param>
    /// <param name="dropout">Dropout between stacked layers while fine-tuning; null keeps the language model's.</param>
    /// <param name="vocabularySize">
    /// The new model's vocabulary size: null keeps the language model's. A larger one appends embedding rows for tokens
    /// the language model never saw (the ids from the language model's vocabulary size up, the task's own words), each
    /// initialised to the mean of the language model's embedding rows, as ULMFiT does.
    /// </param>
    /// <param name="ngramBuckets">
    /// Hash buckets of an n-gram part beside the encoder (<see cref="SequenceModelOptions.NgramBuckets"/>; Classification
    /// only): 0 (the default) for none. It starts at zero, as in a model trained from scratch.
    /// </param>
    /// <param name="ngramEnsemble">With <paramref name="ngramBuckets"/>: the n-gram part is a classifier of its own (<see cref="SequenceModelOptions.NgramEnsemble"/>).</param>
    /// <returns>The new model: embedding and recurrent weights equal to the language model's, head freshly initialised.</returns>
    /// <exception cref="ArgumentException">The model is not a language model, or <paramref name="task"/> is LanguageModel.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="vocabularySize"/> is smaller than the language model's.</exception>
    public static SequenceModel CreateModel(SequenceModel languageModel, SequenceTask task, int outputSize,
        SequencePooling pooling = SequencePooling.Concat, int seed = 0, float? dropout = null, int? vocabularySize = null,
        int ngramBuckets = 0, bool ngramEnsemble = false)
    {
        ArgumentNullException.ThrowIfNull(languageModel);
        var lm = languageModel.Options;
        if (lm.Task != SequenceTask.LanguageModel)
        {
            throw new ArgumentException($"The pretrained model is a {lm.Task} model; transfer needs a LanguageModel (its encoder is reused).", nameof(languageModel));
        }
        if (task == SequenceTask.LanguageModel)
        {
            throw new ArgumentException("The target task is LanguageModel; transfer builds a Classification, Regression or Tagging model from a language model.", nameof(task));
        }
        int vocabulary = vocabularySize ?? lm.VocabularySize;
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabulary, lm.VocabularySize, nameof(vocabularySize));
        var options = new SequenceModelOptions
        {
            Task = task, VocabularySize = vocabulary, EmbeddingSize = lm.EmbeddingSize, Cell = lm.Cell,
            HiddenSize = lm.HiddenSize, NumLayers = lm.NumLayers, Bidirectional = false, Dropout = dropout ?? lm.Dropout,
            Pooling = pooling, OutputSize = outputSize, ForgetGateBias = lm.ForgetGateBias, NgramBuckets = ngramBuckets,
            NgramEnsemble = ngramEnsemble,
        };
        var model = new SequenceModel(options, seed);
        CopyEncoder(languageModel, model);
        return model;
    }

    /// <summary>
    /// Pretrained word vectors: copies the language model's word vectors into <paramref name="target"/>'s first embedding
    /// rows (the same token ids) and gives every further row (tokens the language model never saw) the mean of its rows. The
    /// target keeps its own encoder and head, of any shape; train it with the copied rows frozen
    /// (<see cref="Training.FineTuningOptions.FrozenGroups"/> 1 and <see cref="Training.FineTuningOptions.PretrainedVocabularySize"/>),
    /// so a word seen only at prediction time keeps a vector consistent with the ones the encoder learnt on.
    /// </summary>
    /// <param name="languageModel">A model with <see cref="SequenceTask.LanguageModel"/>; not modified.</param>
    /// <param name="target">A token model with the vectors' width and at least the language model's vocabulary.</param>
    /// <param name="fromOutputLayer">
    /// Take the rows of the language model's output layer (<c>fc.weight</c>, one row of width <c>HiddenSize</c> per
    /// word) instead of its input embedding. An untied language model updates every output row at every step (the softmax
    /// reaches every word), but an input row only when its word occurs, from a start of N(0, 1) noise: after a short
    /// pretraining the input rows of most words are still close to that noise, while the output rows place words used in
    /// similar contexts together (Press and Wolf, 2017). With tied weights the two are the same matrix.
    /// </param>
    /// <exception cref="ArgumentException">The source is not a language model, or the embeddings' widths or vocabularies do not fit.</exception>
    public static void CopyEmbedding(SequenceModel languageModel, SequenceModel target, bool fromOutputLayer = false)
    {
        ArgumentNullException.ThrowIfNull(languageModel);
        ArgumentNullException.ThrowIfNull(target);
        var lm = languageModel.Options;
        var to = target.Options;
        if (lm.Task != SequenceTask.LanguageModel)
        {
            throw new ArgumentException($"The pretrained model is a {lm.Task} model; its embedding is copied from a LanguageModel.", nameof(languageModel));
        }
        int width = fromOutputLayer ? lm.HiddenSize : lm.EmbeddingSize;
        if (to.VocabularySize < lm.VocabularySize || to.EmbeddingSize != width)
        {
            throw new ArgumentException($"The target's embedding is {to.VocabularySize} x {to.EmbeddingSize}; it needs the language model's {(fromOutputLayer ? "output" : "embedding")} width {width} and at least its {lm.VocabularySize} rows.", nameof(target));
        }
        var from = languageModel.Parameters.GetValues(fromOutputLayer && !lm.TieWeights ? "fc.weight" : Embedding);
        var rows = target.Parameters.GetValues(Embedding);
        from.CopyTo(rows);
        if (rows.Length > from.Length)
        {
            FillWithMeanRow(from, rows[from.Length..], width);
        }
    }

    private const string Embedding = "embedding.weight";

    /// <summary>
    /// Copies every embedding and recurrent tensor of <paramref name="source"/> into the tensor of the same name in
    /// <paramref name="target"/>; the embedding rows the source lacks get the mean of its rows.
    /// </summary>
    private static void CopyEncoder(SequenceModel source, SequenceModel target)
    {
        foreach (string name in source.Parameters.Names)
        {
            if (IsHead(name))
            {
                continue;
            }
            var from = source.Parameters.GetValues(name);
            var to = target.Parameters.GetValues(name);
            from.CopyTo(to);
            if (to.Length > from.Length)
            {
                FillWithMeanRow(from, to[from.Length..], source.Options.EmbeddingSize);
            }
        }
    }

    // Each row of `rows` (width `width`) becomes the mean of the rows of `table`.
    private static void FillWithMeanRow(ReadOnlySpan<float> table, Span<float> rows, int width)
    {
        var mean = new double[width];
        int count = table.Length / width;
        for (int r = 0; r < count; r++)
        {
            for (int j = 0; j < width; j++)
            {
                mean[j] += table[r * width + j];
            }
        }
        for (int r = 0; r < rows.Length / width; r++)
        {
            for (int j = 0; j < width; j++)
            {
                rows[r * width + j] = (float)(mean[j] / count);
            }
        }
    }

    /// <summary>Whether a parameter belongs to the head (<c>fc.*</c>) rather than the encoder.</summary>
    internal static bool IsHead(string name) => name.StartsWith("fc.", StringComparison.Ordinal);
}
