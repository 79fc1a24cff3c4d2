namespace WebApi;

/// <summary>A model file is missing, corrupt, or holds another kind of model; the message names the file.</summary>
public sealed class ModelLoadException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public ModelLoadException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ModelLoadException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ModelLoadException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
