using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// The layer groups of a model and, per epoch, which of them train and at what share of the learning rate
/// (<see cref="FineTuningOptions"/>). Groups from the bottom: 0 the embedding (or none for numeric input), 1..L the
/// recurrent layers (both directions of a layer together), L + 1 the head.
/// </summary>
internal sealed class FineTuningPlan
{
    private readonly FineTuningOptions _options;
    private readonly (int Offset, int Length, int Group)[] _tensors;
    private float[] _before = [];

    public FineTuningPlan(SequenceModel model, FineTuningOptions options)
    {
        options.Validate();
        _options = options;
        GroupCount = model.Options.NumLayers + 2;
        if (options.FrozenGroups >= GroupCount)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.FrozenGroups, $"FrozenGroups is {options.FrozenGroups}, but the model has {GroupCount} groups (the embedding, {model.Options.NumLayers} recurrent layers, the head): at most {GroupCount - 1} can be frozen.");
        }
        var parameters = model.Parameters;
        _tensors = parameters.Names.Select(name => parameters.GetInfo(name))
            .SelectMany(info => Ranges(info, GroupOf(info.Name, GroupCount), model.Options.EmbeddingSize)).ToArray();
    }

    // A tensor's range in its group; the embedding rows of tokens the pretrained model lacked go to the head's group.
    private IEnumerable<(int Offset, int Length, int Group)> Ranges(ParameterInfo info, int group, int embeddingSize)
    {
        int kept = _options.PretrainedVocabularySize is int rows && info.Name == "embedding.weight" ? (int)Math.Min(info.Length, (long)rows * embeddingSize) : info.Length;
        yield return (info.Offset, kept, group);
        if (kept < info.Length)
        {
            yield return (info.Offset + kept, info.Length - kept, GroupCount - 1);
        }
    }

    /// <summary>Number of groups: the embedding, each recurrent layer, the head.</summary>
    public int GroupCount { get; }

    /// <summary>
    /// The group of a parameter name: <c>embedding.*</c> 0, <c>*_l{k}</c> and <c>*_l{k}_reverse</c> k + 1, <c>fc.*</c> and
    /// the n-gram part's <c>ngram.*</c> (a classifier of its own, nothing pretrained) the last.
    /// </summary>
    internal static int GroupOf(string name, int groupCount)
    {
        if (LanguageModelTransfer.IsHead(name) || name.StartsWith("ngram.", StringComparison.Ordinal))
        {
            return groupCount - 1;
        }
        int at = name.LastIndexOf("_l", StringComparison.Ordinal);
        if (at < 0)
        {
            return 0;
        }
        var digits = name.AsSpan(at + 2);
        int end = digits.IndexOf('_');
        return int.Parse(end < 0 ? digits : digits[..end], System.Globalization.CultureInfo.InvariantCulture) + 1;
    }

    /// <summary>The factor of the learning rate group <paramref name="group"/> gets in epoch <paramref name="epoch"/> (0-based); 0 when frozen.</summary>
    public double Factor(int group, int epoch)
    {
        int fromTop = GroupCount - 1 - group;
        if (group < _options.FrozenGroups || _options.GradualUnfreezing && fromTop > epoch)
        {
            return 0;
        }
        return Math.Pow(_options.LayerLearningRateDivisor, -fromTop);
    }

    /// <summary>Before clipping and the optimizer step: zeroes the frozen groups' gradients and remembers the weights.</summary>
    public void BeforeStep(ParameterSet parameters, int epoch)
    {
        var gradients = parameters.Gradients;
        foreach (var (offset, length, group) in _tensors)
        {
            if (Factor(group, epoch) == 0)
            {
                Array.Clear(gradients, offset, length);
            }
        }
        Engine.Buffers.Ensure(ref _before, parameters.Count);
        parameters.Values.AsSpan().CopyTo(_before);
    }

    /// <summary>After the optimizer step: keeps the frozen groups' weights and scales the other groups' updates by their factors.</summary>
    public void AfterStep(ParameterSet parameters, int epoch)
    {
        var values = parameters.Values;
        foreach (var (offset, length, group) in _tensors)
        {
            float factor = (float)Factor(group, epoch);
            if (factor == 1f)
            {
                continue;
            }
            if (factor == 0f)
            {
                _before.AsSpan(offset, length).CopyTo(values.AsSpan(offset, length));
                continue;
            }
            for (int i = offset; i < offset + length; i++)
            {
                values[i] = _before[i] + factor * (values[i] - _before[i]);
            }
        }
    }
}
