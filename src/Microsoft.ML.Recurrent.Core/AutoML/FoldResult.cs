using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.AutoML;

/// <summary>One fold of a trial under k-fold cross-validation: a model trained on the other folds, validated on this one.</summary>
/// <param name="Fold">The fold, from 0.</param>
/// <param name="EpochsTrained">Epochs trained (fewer than the budget after early stopping or at the time budget).</param>
/// <param name="BestEpoch">The epoch with the lowest validation loss, from 1.</param>
/// <param name="Metric">The optimised metric at <paramref name="BestEpoch"/>.</param>
/// <param name="Validation">Every validation figure at <paramref name="BestEpoch"/>.</param>
/// <param name="TrainingTime">Wall-clock time of this fold's training.</param>
/// <param name="StoppedEarly">Whether early stopping ended the fold's training.</param>
/// <param name="TimeBudgetExhausted">Whether the experiment's time budget cut the fold's training short.</param>
public sealed record FoldResult(int Fold, int EpochsTrained, int BestEpoch, double Metric, EvaluationResult Validation,
    TimeSpan TrainingTime, bool StoppedEarly, bool TimeBudgetExhausted);
