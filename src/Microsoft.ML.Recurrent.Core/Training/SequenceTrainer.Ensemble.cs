using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Training;

public sealed partial class SequenceTrainer
{
    // An n-gram ensemble's early stopping, per part (0 the recurrent part: every parameter before the n-gram part's;
    // 1 the n-gram part: ngram.weight and ngram.bias): best validation loss, its epoch, epochs since.
    private double[]? _partBest;
    private int[]? _partBestEpoch;
    private int[]? _partBadEpochs;

    private bool StopsPerPart => _model.Options.NgramEnsemble && Options.EarlyStoppingPatience is not null;

    /// <summary>The best validation loss of each part so far (recurrent, n-gram); null unless the model is an n-gram ensemble with early stopping.</summary>
    internal IReadOnlyList<double>? PartBestLosses => _partBest;

    /// <summary>The epoch of each part's best validation loss (recurrent, n-gram); null unless the model is an n-gram ensemble with early stopping.</summary>
    internal IReadOnlyList<int>? PartBestEpochs => _partBestEpoch;

    /// <summary>
    /// Early stopping of an n-gram ensemble (<see cref="SequenceModelOptions.NgramEnsemble"/>): each part is validated on its
    /// own logits, keeps its own best weights (in the best weights' own range) and has its own patience; the run stops when
    /// both parts have run out of it. The best epoch is the later of the parts' best epochs.
    /// </summary>
    private void EndEnsembleEpoch(IReadOnlyList<SequenceExample> validation, int patience)
    {
        _partBest ??= [double.PositiveInfinity, double.PositiveInfinity];
        _partBestEpoch ??= [0, 0];
        _partBadEpochs ??= [0, 0];
        _bestWeights ??= (float[])_model.Parameters.Values.Clone();
        int split = _model.NgramPartOffset, count = _model.Parameters.Count;
        EnsembleView[] views = [EnsembleView.Recurrent, EnsembleView.Ngrams];
        for (int part = 0; part < 2; part++)
        {
            _workspace.EnsembleView = views[part];
            double loss;
            try
            {
                loss = SequenceEvaluator.Evaluate(_model, _workspace, validation, Math.Max(64, Options.BatchSize), Options.MaxValidationItems).Loss;
            }
            finally
            {
                _workspace.EnsembleView = EnsembleView.Mean;
            }
            if (loss < _partBest[part])
            {
                _partBest[part] = loss;
                _partBestEpoch[part] = _epoch + 1; // EndEpoch counts this epoch after
                _partBadEpochs[part] = 0;
                var (from, to) = part == 0 ? (0, split) : (split, count);
                Array.Copy(_model.Parameters.Values, from, _bestWeights, from, to - from);
            }
            else
            {
                _partBadEpochs[part]++;
            }
        }
        _bestEpoch = Math.Max(_partBestEpoch[0], _partBestEpoch[1]);
        if (_partBadEpochs[0] >= patience && _partBadEpochs[1] >= patience)
        {
            _finished = true;
        }
    }

    private void RequireCheckpointable()
    {
        if (StopsPerPart)
        {
            throw new NotSupportedException(
                "Checkpoints do not record an n-gram ensemble's per-part early stopping (NgramEnsemble with EarlyStoppingPatience): train it without checkpoints, or without EarlyStoppingPatience.");
        }
    }
}
