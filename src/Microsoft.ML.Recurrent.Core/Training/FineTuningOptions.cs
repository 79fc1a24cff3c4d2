namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// ULMFiT's fine-tuning recipe for a model whose encoder was pretrained (see <see cref="Models.LanguageModelTransfer"/>):
/// discriminative learning rates and gradual unfreezing over the layer groups, from the bottom: the embedding, each
/// recurrent layer, the head.
/// </summary>
/// <remarks>
/// The optimizer runs over the whole parameter buffer as usual; a frozen group's gradient is zeroed before clipping (so
/// it counts in neither the norm nor the optimizer's moments) and its weights are kept exactly; an unfrozen group's update
/// is scaled by its learning-rate factor. For every optimizer here (SGD with momentum, Adam, AdamW, RMSprop, Adagrad) the
/// update is proportional to the learning rate and the moments do not depend on it, so the scaled update is the update
/// with that group's learning rate. One difference from PyTorch's per-parameter state: Adam's bias correction counts the
/// optimizer's steps, not the group's, so a group unfrozen late starts with moments of zero and a nearly complete correction.
/// </remarks>
public sealed record FineTuningOptions
{
    /// <summary>
    /// Each group's learning rate is the next higher group's divided by this (ULMFiT: 2.6): the head gets the full rate,
    /// the top recurrent layer rate / 2.6, and so on down to the embedding. Default 2.6; allowed 1 (no discrimination) to 1000.
    /// </summary>
    public double LayerLearningRateDivisor { get; init; } = 2.6;

    /// <summary>
    /// Unfreeze one group per epoch from the top: the first epoch trains the head only, the second the head and the top
    /// recurrent layer, and so on until every group trains. Default true.
    /// </summary>
    public bool GradualUnfreezing { get; init; } = true;

    /// <summary>
    /// The lowest groups that never train, counted from the embedding: 0 (the default, ULMFiT) fine-tunes every group;
    /// 1 keeps the pretrained embedding rows as they are, so a word seen only at prediction time keeps a vector consistent
    /// with the ones the encoder was trained on; <c>NumLayers + 1</c> keeps the whole encoder (feature extraction: only the
    /// head, the task's new embedding rows and an n-gram part not kept by <see cref="TrainerOptions.FreezeNgrams"/> train). Allowed 0 to <c>NumLayers + 1</c>.
    /// </summary>
    public int FrozenGroups { get; init; }

    /// <summary>
    /// The vocabulary size of the pretrained model. Embedding rows from this id up are tokens it never saw, added for the
    /// task with a neutral start (<see cref="Models.LanguageModelTransfer.CreateModel"/>): they train with the head, at the
    /// full learning rate from the first epoch, since they have nothing pretrained to keep. Null (the default) puts every
    /// embedding row in the embedding's group; allowed null or at least 1.
    /// </summary>
    public int? PretrainedVocabularySize { get; init; }

    /// <summary>Throws an exception naming the first option out of its allowed range.</summary>
    public void Validate()
    {
        if (PretrainedVocabularySize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(PretrainedVocabularySize), PretrainedVocabularySize, "PretrainedVocabularySize must be null or at least 1.");
        }
        if (FrozenGroups < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(FrozenGroups), FrozenGroups, "FrozenGroups must be at least 0 (and below the model's NumLayers + 2).");
        }
        if (!(LayerLearningRateDivisor >= 1 && LayerLearningRateDivisor <= 1000))
        {
            throw new ArgumentOutOfRangeException(nameof(LayerLearningRateDivisor), LayerLearningRateDivisor, "LayerLearningRateDivisor must be in [1, 1000].");
        }
    }
}
