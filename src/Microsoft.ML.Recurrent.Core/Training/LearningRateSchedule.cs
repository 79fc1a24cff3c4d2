namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// A closed-form learning-rate schedule: the learning rate as a function of the base learning rate and a
/// 0-based epoch counter (PyTorch's <c>last_epoch</c>). Schedules hold no state; a
/// <see cref="LearningRateDriver"/> binds one to an <see cref="Optimizer"/> and counts the epochs.
/// "Epoch" means one call of <see cref="LearningRateDriver.Step"/>: step it once per epoch or once per
/// optimizer step, as the training loop decides.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>The learning rate at <paramref name="epoch"/>.</summary>
    /// <param name="baseLearningRate">The optimizer's learning rate when the scheduler was created (PyTorch's <c>initial_lr</c>).</param>
    /// <param name="epoch">The 0-based epoch; 0 is the rate before the first <see cref="LearningRateDriver.Step"/>.</param>
    /// <returns>The learning rate.</returns>
    public abstract double GetLearningRate(double baseLearningRate, long epoch);

    /// <summary>
    /// Whether <see cref="SequenceTrainer"/> steps this schedule after every optimizer step (true) rather than once per
    /// epoch (false, the default): per-step schedules such as <see cref="SlantedTriangularLRSchedule"/> count batches.
    /// </summary>
    public virtual bool StepsPerBatch => false;
}
