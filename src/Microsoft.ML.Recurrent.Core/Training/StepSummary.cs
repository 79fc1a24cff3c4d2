namespace Microsoft.ML.Recurrent.Training;

/// <summary>The figures of one optimizer step, recorded by <see cref="SequenceTrainer"/> for learning curves.</summary>
/// <param name="Step">The step, from 1 (counted over the whole run, including steps before a resumed checkpoint).</param>
/// <param name="Epoch">The epoch the step belongs to, from 1.</param>
/// <param name="Loss">The mini-batch's mean training loss (before the update).</param>
/// <param name="LearningRate">The learning rate the step used.</param>
public readonly record struct StepSummary(long Step, int Epoch, float Loss, float LearningRate);
