using System.Globalization;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Training;

public sealed partial class SequenceTrainer
{
    /// <summary>
    /// The largest mean cross-entropy (nats per prediction) a step may have; above it training has diverged. A model at
    /// this loss gives the right answers a probability of e^-1000 on average, far below the smallest 32-bit float
    /// (about e^-103): such a loss only arises from weights that have blown up, never from a model that is merely bad
    /// (a uniform guess over 65,536 classes costs 11 nats). Regression has no such ceiling, since its loss is in the
    /// units of the targets; there only non-finite values count as divergence.
    /// </summary>
    public const double MaxCrossEntropyLoss = 1000;

    // Set when an update made a weight non-finite: the model is unusable until a checkpoint is loaded.
    private string? _divergence;

    // Before the update: the loss and the gradients must be usable; the weights are still those of the last good step.
    private void CheckBeforeUpdate(double loss, double norm)
    {
        bool crossEntropy = _model.Options.Task != SequenceTask.Regression;
        if (double.IsFinite(norm) && double.IsFinite(loss) && !(crossEntropy && loss > MaxCrossEntropyLoss))
        {
            return;
        }
        string ceiling = crossEntropy && double.IsFinite(loss) ? $", above the ceiling of {MaxCrossEntropyLoss} nats (SequenceTrainer.MaxCrossEntropyLoss)," : "";
        throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
            $"Training diverged at step {_step + 1} (epoch {_epoch + 1}): the loss is {loss}{ceiling} and the gradient norm {norm}. " +
            $"The weights were left as they were before this step; lower LearningRate (now {_optimizer.LearningRate}) or set ClipGradientNorm."));
    }

    // After the update: every weight must still be finite, or the model is lost and the trainer refuses to go on or save.
    private void CheckAfterUpdate(double loss, double norm)
    {
        var parameters = _model.Parameters;
        int bad = FiniteCheck.IndexOfNonFinite(parameters.Values);
        if (bad < 0)
        {
            return;
        }
        _divergence = string.Create(CultureInfo.InvariantCulture,
            $"Training diverged at step {_step + 1} (epoch {_epoch + 1}): the update made {DescribeWeight(bad)} {parameters.Values[bad]} " +
            $"(loss {loss}, gradient norm {norm}, learning rate {_optimizer.LearningRate}). The model's weights are no longer usable, so this " +
            $"trainer will neither continue nor save a checkpoint. Lower LearningRate or set ClipGradientNorm, then start again from fresh " +
            $"weights or load an earlier checkpoint.");
        throw new InvalidOperationException(_divergence);
    }

    private void RequireNotDiverged()
    {
        if (_divergence is not null)
        {
            throw new InvalidOperationException(_divergence);
        }
    }

    private void RequireFinite(float[] values, string what)
    {
        int bad = FiniteCheck.IndexOfNonFinite(values);
        if (bad >= 0)
        {
            string where = ReferenceEquals(values, _model.Parameters.Values) ? DescribeWeight(bad) : $"element {bad}";
            throw new InvalidOperationException(
                $"{where} of {what} is {values[bad]}; a checkpoint with NaN or infinite values is never written. Load an earlier checkpoint or retrain with a lower LearningRate.");
        }
    }

    private string DescribeWeight(int index)
    {
        var parameters = _model.Parameters;
        foreach (string name in parameters.Names)
        {
            var info = parameters.GetInfo(name);
            if (index < info.Offset + info.Length)
            {
                return $"element {index - info.Offset} of parameter '{name}'";
            }
        }
        return $"weight {index}";
    }
}
