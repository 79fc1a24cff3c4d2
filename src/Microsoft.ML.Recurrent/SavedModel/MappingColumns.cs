using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent.SavedModel;

// Column classes of the CustomMapping parts of a saved recurrent model. Their column names and types are part of the
// saved-model contract (a .zip records only the contract name and reads these classes when it loads): never change
// them; add new classes with new contract names instead. The multiclass and featurizer outputs are generated
// (MappingFactories.g.cs).

/// <summary>No input columns (the model-key mapping reads nothing).</summary>
internal sealed class EmptyInput
{
}

/// <summary>The constant key that the stored model text is looked up by.</summary>
internal sealed class ModelKeyOutput
{
    /// <summary>Always 1.</summary>
    [ColumnName(ColumnNames.ModelKey)]
    public uint ModelKey { get; set; }
}

/// <summary>The input of a text mapping: the text and the serialized model.</summary>
internal sealed class TextInput
{
    /// <summary>The text.</summary>
    [ColumnName(ColumnNames.Text)]
    public string Text { get; set; } = "";

    /// <summary>The model file as base64 text (the same string object on every row).</summary>
    [ColumnName(ColumnNames.Model)]
    public ReadOnlyMemory<char> Model { get; set; }
}

/// <summary>The input of a tokens mapping (tagger, key-vector classifiers): the tokens and the serialized model.</summary>
internal sealed class TokensInput
{
    /// <summary>The tokens of the sequence.</summary>
    [ColumnName(ColumnNames.Tokens)]
    public string[] Tokens { get; set; } = [];

    /// <summary>The model file as base64 text.</summary>
    [ColumnName(ColumnNames.Model)]
    public ReadOnlyMemory<char> Model { get; set; }
}

/// <summary>The input of a series regressor mapping: the series and the serialized model.</summary>
internal sealed class SeriesInput
{
    /// <summary>The numeric series (one value per step), oldest first.</summary>
    [ColumnName(ColumnNames.Series)]
    public float[] Series { get; set; } = [];

    /// <summary>The model file as base64 text.</summary>
    [ColumnName(ColumnNames.Model)]
    public ReadOnlyMemory<char> Model { get; set; }
}

/// <summary>The output of a binary classifier, as ML.NET's binary evaluator expects it.</summary>
internal sealed class BinaryOutput
{
    /// <summary>The raw score: logit(true) - logit(false).</summary>
    public float Score { get; set; }

    /// <summary>The probability of the positive class.</summary>
    public float Probability { get; set; }

    /// <summary>Whether the probability is at least 0.5.</summary>
    public bool PredictedLabel { get; set; }
}

/// <summary>The output of a regressor, as ML.NET's regression evaluator expects it.</summary>
internal sealed class RegressionOutput
{
    /// <summary>The predicted value, in the label's units.</summary>
    public float Score { get; set; }
}

/// <summary>The output of a next-token model: the most likely next token after the text, and its probability.</summary>
internal sealed class NextTokenOutput
{
    /// <summary>The most likely next token.</summary>
    public string PredictedToken { get; set; } = "";

    /// <summary>Its probability.</summary>
    public float Probability { get; set; }

    /// <summary>The whole next-token distribution, indexed by token id (a variable-size vector: its size is the vocabulary's).</summary>
    public float[] NextTokenProbabilities { get; set; } = [];
}

/// <summary>The output of a tagger: one predicted tag per token.</summary>
internal sealed class TaggerOutput
{
    /// <summary>The predicted tags, one per input token.</summary>
    public string[] PredictedTags { get; set; } = [];
}

/// <summary>
/// The raw output of a multiclass classifier mapping: one probability column per class (up to
/// <see cref="RecurrentTextMulticlassTrainer.MaxClasses"/>; the first C are concatenated into the known-size
/// <c>Score</c> vector by a stock Concatenate transform, so the evaluator sees a fixed size even after a reload) and the
/// predicted class name. The score properties are generated.
/// </summary>
internal sealed partial class MulticlassOutput
{
    /// <summary>The name of the predicted class.</summary>
    [ColumnName(ColumnNames.PredictedName)]
    public string PredictedName { get; set; } = "";
}

/// <summary>The output of the sequence-to-sequence mapping: the output text and its attention weights.</summary>
internal sealed class Seq2SeqOutput
{
    /// <summary>The decoded output text.</summary>
    [ColumnName(ColumnNames.PredictedText)]
    public string PredictedText { get; set; } = "";

    /// <summary>Attention weights, (output tokens + 1) x (source tokens) row-major; the last row is for EOS when written.</summary>
    [ColumnName(ColumnNames.Attention)]
    public float[] Attention { get; set; } = [];
}

/// <summary>The output of an attribution mapping: the tokens the classifier read and one contribution per token.</summary>
internal sealed class AttributionOutput
{
    /// <summary>The tokens read, in order (those cut off by truncation are absent).</summary>
    [ColumnName(ColumnNames.AttributionTokens)]
    public string[] AttributionTokens { get; set; } = [];

    /// <summary>One integrated-gradients contribution per token read.</summary>
    [ColumnName(ColumnNames.Attributions)]
    public float[] Attributions { get; set; } = [];
}
