using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

// Column classes of the CustomMapping parts of a saved recurrent model. Their names and shapes are part of the
// saved-model contract: never change them, add new classes with new contract names instead.

/// <summary>No input columns (the model-key mapping reads nothing).</summary>
public sealed class RecurrentEmptyInput
{
}

/// <summary>The constant key that the stored model text is looked up by.</summary>
public sealed class RecurrentModelKeyOutput
{
    /// <summary>Always 1.</summary>
    [ColumnName(RecurrentColumnNames.ModelKey)]
    public uint ModelKey { get; set; }
}

/// <summary>The input of a recurrent text classifier mapping: the text and the serialized model.</summary>
public sealed class RecurrentTextInput
{
    /// <summary>The text to classify.</summary>
    [ColumnName(RecurrentColumnNames.Text)]
    public string Text { get; set; } = "";

    /// <summary>The model file as base64 text (the same string object on every row).</summary>
    [ColumnName(RecurrentColumnNames.Model)]
    public ReadOnlyMemory<char> Model { get; set; }
}

/// <summary>The output of a binary classifier, as ML.NET's binary evaluator expects it.</summary>
public sealed class RecurrentBinaryOutput
{
    /// <summary>The raw score: logit(true) - logit(false).</summary>
    public float Score { get; set; }

    /// <summary>The probability of the positive class.</summary>
    public float Probability { get; set; }

    /// <summary>Whether the probability is at least 0.5.</summary>
    public bool PredictedLabel { get; set; }
}

/// <summary>Names of the helper columns a recurrent model adds and drops.</summary>
public static class RecurrentColumnNames
{
    /// <summary>The constant model key.</summary>
    public const string ModelKey = "__RecurrentModelKey";

    /// <summary>The serialized model text.</summary>
    public const string Model = "__RecurrentModel";

    /// <summary>The predicted class name of a multiclass model, before it becomes a key.</summary>
    public const string PredictedName = "__RecurrentPredicted";

    /// <summary>The featurizer's output before it is copied to the requested column name.</summary>
    public const string Features = "__RecurrentFeatures";

    /// <summary>A copy of the input tokens column under a fixed name.</summary>
    public const string Tokens = "__RecurrentTokens";

    /// <summary>A copy of the input series column under a fixed name.</summary>
    public const string Series = "__RecurrentSeries";

    /// <summary>A copy of the input text column under a fixed name.</summary>
    public const string Text = "__RecurrentText";
}

/// <summary>The input of a recurrent series regressor mapping: the series and the serialized model.</summary>
public sealed class RecurrentSeriesInput
{
    /// <summary>The numeric series (one value per step), oldest first.</summary>
    [ColumnName(RecurrentColumnNames.Series)]
    public float[] Series { get; set; } = [];

    /// <summary>The model file as base64 text.</summary>
    [ColumnName(RecurrentColumnNames.Model)]
    public ReadOnlyMemory<char> Model { get; set; }
}

/// <summary>The output of a regressor, as ML.NET's regression evaluator expects it.</summary>
public sealed class RecurrentRegressionOutput
{
    /// <summary>The predicted value, in the label's units.</summary>
    public float Score { get; set; }
}

/// <summary>The output of a next-token model: the most likely next token after the text, and its probability.</summary>
public sealed class RecurrentNextTokenOutput
{
    /// <summary>The most likely next token.</summary>
    public string PredictedToken { get; set; } = "";

    /// <summary>Its probability.</summary>
    public float Probability { get; set; }

    /// <summary>The whole next-token distribution, indexed by token id (a variable-size vector: its size is the vocabulary's).</summary>
    public float[] NextTokenProbabilities { get; set; } = [];
}

/// <summary>The input of a tagger mapping: the tokens and the serialized model.</summary>
public sealed class RecurrentTokensInput
{
    /// <summary>The tokens of the sequence.</summary>
    [ColumnName(RecurrentColumnNames.Tokens)]
    public string[] Tokens { get; set; } = [];

    /// <summary>The model file as base64 text.</summary>
    [ColumnName(RecurrentColumnNames.Model)]
    public ReadOnlyMemory<char> Model { get; set; }
}

/// <summary>The output of a tagger: one predicted tag per token.</summary>
public sealed class RecurrentTaggerOutput
{
    /// <summary>The predicted tags, one per input token.</summary>
    public string[] PredictedTags { get; set; } = [];
}
