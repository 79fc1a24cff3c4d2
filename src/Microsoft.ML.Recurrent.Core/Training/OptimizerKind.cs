namespace Microsoft.ML.Recurrent.Training;

/// <summary>The optimizers a <see cref="SequenceTrainer"/> can use (PyTorch's update rules).</summary>
public enum OptimizerKind
{
    /// <summary>Adam (L2 weight decay added to the gradient).</summary>
    Adam,

    /// <summary>AdamW (decoupled weight decay).</summary>
    AdamW,

    /// <summary>Stochastic gradient descent, with optional momentum and Nesterov.</summary>
    Sgd,

    /// <summary>RMSprop.</summary>
    RmsProp,

    /// <summary>Adagrad.</summary>
    Adagrad,
}
