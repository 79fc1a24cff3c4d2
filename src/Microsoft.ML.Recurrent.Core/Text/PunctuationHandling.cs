namespace Microsoft.ML.Recurrent.Text;

/// <summary>
/// What a <see cref="WordTokenizer"/> does with punctuation: Unicode punctuation (categories Pc, Pd, Ps, Pe,
/// Pi, Pf, Po) and the math, currency and modifier symbols (Sm, Sc, Sk) — everything in ASCII's
/// <c>!"#$%&amp;'()*+,-./:;&lt;=&gt;?@[\]^_`{|}~</c>. Other symbols (emoji, ©) count as word characters.
/// Two exceptions keep common words and numbers whole: '.' or ',' between two digits ("3.14", "1,000")
/// and an apostrophe (' or U+2019) between two letters ("don't") are part of the word.
/// </summary>
public enum PunctuationHandling
{
    /// <summary>Each punctuation character is a token of its own: "hi, you!" gives hi , you !</summary>
    Split = 0,

    /// <summary>Punctuation separates words and is dropped: "hi, you!" gives hi you</summary>
    Drop = 1,

    /// <summary>Only whitespace separates tokens; punctuation stays attached: "hi, you!" gives hi, you!</summary>
    Attach = 2,
}
