namespace Microsoft.ML.Recurrent;

/// <summary>
/// The columns a recurrent experiment reads (like ML.NET AutoML's <c>ColumnInformation</c>). Each task reads only the
/// ones it needs; the defaults are the names the recurrent trainers use.
/// </summary>
public sealed class RecurrentColumnInformation
{
    /// <summary>
    /// The label: Boolean (binary classification), a UInt32 key (multiclass classification), a vector of text with one tag
    /// per token (tagging), Single (forecasting), or the target text (sequence to sequence). Not read for next-token
    /// models. Default "Label".
    /// </summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>
    /// The input of classification (text, or a key vector of tokens from <c>TokenizeIntoWords</c> +
    /// <c>MapValueToKey</c> or <c>TokenizeIntoCharactersAsKeys</c>), of next-token models (text) and the source text of
    /// sequence to sequence. Default "Text".
    /// </summary>
    public string TextColumnName { get; set; } = "Text";

    /// <summary>The tokens of tagging: a vector of text. Default "Tokens".</summary>
    public string TokensColumnName { get; set; } = "Tokens";

    /// <summary>The series of forecasting: a vector of Single, oldest value first. Default "Features".</summary>
    public string SeriesColumnName { get; set; } = "Features";
}
