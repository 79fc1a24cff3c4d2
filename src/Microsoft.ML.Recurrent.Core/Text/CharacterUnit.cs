namespace Microsoft.ML.Recurrent.Text;

/// <summary>What a <see cref="CharacterTokenizer"/> calls one character.</summary>
public enum CharacterUnit
{
    /// <summary>
    /// A text element (extended grapheme cluster, as <see cref="System.Globalization.StringInfo"/> finds it):
    /// "é" written as e + U+0301, a flag, or "\r\n" is one token. What a reader sees as one character.
    /// </summary>
    TextElement = 0,

    /// <summary>A Unicode scalar value (<see cref="System.Text.Rune"/>): a combining mark is a token of its own.</summary>
    CodePoint = 1,
}
