using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Explainability;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.SavedModel;

/// <summary>What a classifier's mappings ask of a decoded model: logits and attributions, of one model or an ensemble.</summary>
internal sealed partial class LoadedModel
{
    /// <summary>Maps tokens (from a key-vector column) through the vocabulary, truncates, and writes the head's logits.</summary>
    public void PredictLogits(string[]? tokens, Span<float> logits)
    {
        string[] cut = tokens is null ? [] : tokens.Take(_maxLength).ToArray();
        if (Members.Length == 1)
        {
            PredictTokens(0, cut, logits); // one model: no closure per row
            return;
        }
        PredictMembers(logits, (member, output) => PredictTokens(member, cut, output));
    }

    private void PredictTokens(int member, string[] tokens, Span<float> logits)
    {
        var sequencer = Members[member].Sequencer ?? throw new InvalidDataException("The recurrent model column holds a model without a vocabulary.");
        Predict(member, TokenExample(sequencer, tokens), logits);
    }

    // Token ids (and the characters of a character-aware model) of tokens already cut to length; no token reads as one unknown one.
    private static SequenceExample TokenExample(Text.TextSequencer sequencer, string[] tokens)
    {
        if (tokens.Length == 0)
        {
            return SequenceExample.ForPrediction([Math.Max(0, sequencer.Vocabulary.UnknownId)], sequencer.Characters is null ? null : [sequencer.Characters.Encode("")]);
        }
        return SequenceExample.ForPrediction(sequencer.Vocabulary.Encode(tokens), sequencer.Characters?.Encode(tokens));
    }

    /// <summary>Tokenizes, truncates to the trained maximum length, and writes the head's logits.</summary>
    public void PredictLogits(string? text, Span<float> logits)
    {
        if (Members.Length == 1)
        {
            PredictText(0, text, logits); // one model: no closure per row
            return;
        }
        PredictMembers(logits, (member, output) => PredictText(member, text, output));
    }

    private void PredictText(int member, string? text, Span<float> logits)
    {
        var sequencer = Members[member].Sequencer
            ?? throw new InvalidDataException("The recurrent model column holds a model without a vocabulary; a text model needs one.");
        if (sequencer.Characters is not null)
        {
            Predict(member, TokenExample(sequencer, sequencer.Tokenizer.Tokenize(text ?? "").Take(_maxLength).ToArray()), logits);
            return;
        }
        int[] ids = sequencer.Encode(text ?? "");
        if (ids.Length == 0)
        {
            // An empty text is read as one unknown token (or padding), so every row gets a prediction.
            ids = [Math.Max(0, sequencer.Vocabulary.UnknownId)];
        }
        else if (ids.Length > _maxLength)
        {
            ids = ids[.._maxLength];
        }
        Predict(member, SequenceExample.ForPrediction(ids), logits);
    }

    private delegate void MemberPrediction(int member, Span<float> logits);

    /// <summary>
    /// An ensemble's logits: log of the mean of the members' probabilities (its softmax is that mean), computed in double
    /// from each member's log-softmax, so it is finite whenever every member's logits are.
    /// </summary>
    private void PredictMembers(Span<float> logits, MemberPrediction predict)
    {
        int classes = logits.Length;
        Span<float> member = classes <= 256 ? stackalloc float[classes] : new float[classes];
        Span<double> logMean = classes <= 256 ? stackalloc double[classes] : new double[classes];
        for (int i = 0; i < Members.Length; i++)
        {
            predict(i, member);
            double max = TensorPrimitives.Max(member), sum = 0;
            foreach (float z in member)
            {
                sum += Math.Exp(z - max);
            }
            double shift = max + Math.Log(sum);
            for (int k = 0; k < classes; k++)
            {
                double x = member[k] - shift; // log p_i(k)
                // logMean accumulates log(sum of p) stably: log(e^a + e^b) = max + log1p(e^(min - max)).
                logMean[k] = i == 0 ? x : Math.Max(logMean[k], x) + Math.Log(1 + Math.Exp(-Math.Abs(logMean[k] - x)));
            }
        }
        double logCount = Math.Log(Members.Length);
        for (int k = 0; k < classes; k++)
        {
            logits[k] = (float)(logMean[k] - logCount);
        }
        RequireFinite(logits);
    }

    /// <summary>
    /// The tokens a classifier reads from a text (its first max-length tokens) and their integrated-gradients
    /// attributions: towards true (class 1) for a binary classifier, towards the predicted class for a multiclass one.
    /// An empty text gives none.
    /// </summary>
    public (string[] Tokens, float[] Values) Explain(string? text)
    {
        var sequencer = Bundle.Sequencer ?? throw new InvalidDataException("The recurrent model column holds a model without a vocabulary; a text model needs one.");
        string[] tokens = sequencer.Tokenizer.Tokenize(text ?? "");
        return ExplainTokens(tokens.Length > _maxLength ? tokens[.._maxLength] : tokens);
    }

    /// <summary>As <see cref="Explain(string?)"/>, for the tokens of a key-vector column.</summary>
    public (string[] Tokens, float[] Values) Explain(string[]? tokens)
    {
        tokens ??= [];
        return ExplainTokens(tokens.Length > _maxLength ? tokens[.._maxLength] : tokens);
    }

    // An ensemble's attributions are the mean of its members' (each reads the tokens with its own vocabulary); a
    // multiclass ensemble explains the class the ensemble predicts, in every member.
    private (string[] Tokens, float[] Values) ExplainTokens(string[] tokens)
    {
        if (tokens.Length == 0)
        {
            return ([], []);
        }
        if (!ReferenceEquals(_threadExplainer.Owner, this))
        {
            _threadExplainer = (this, Members.Select(m => new IntegratedGradients(m.Model)).ToArray());
        }
        int? target = Bundle.Model.Options.HeadOutputs == 2 ? 1 : null;
        if (target is null && Members.Length > 1)
        {
            var logits = new float[Bundle.Model.Options.HeadOutputs];
            PredictLogits(tokens, logits);
            target = TensorPrimitives.IndexOfMax(logits);
        }
        var values = new float[tokens.Length];
        for (int i = 0; i < Members.Length; i++)
        {
            var vocabulary = Members[i].Sequencer?.Vocabulary ?? throw new InvalidDataException("The recurrent model column holds a model without a vocabulary.");
            var attribution = _threadExplainer.Explainers![i].Explain(vocabulary.Encode(tokens), target);
            for (int t = 0; t < values.Length; t++)
            {
                values[t] += attribution.Values[t];
            }
        }
        if (Members.Length > 1)
        {
            TensorPrimitives.Divide(values, Members.Length, values);
        }
        RequireFinite(values);
        return (tokens, values);
    }
}
