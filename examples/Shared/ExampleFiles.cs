// Shared by the examples (each project links this file): the shipped samples, the default output folder, reading
// input files, and reporting a bad file in one line with exit code 2 instead of a stack trace.
using System.Text;

/// <summary>A problem with an input file; the program prints one line naming the file and ends with exit code 2.</summary>
internal sealed class InputFileException : Exception
{
    public InputFileException()
    {
    }

    public InputFileException(string message)
        : base(message)
    {
    }

    public InputFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>A problem with <paramref name="path"/>, reported as "path: problem".</summary>
    public static InputFileException For(string path, string problem, Exception? inner = null) =>
        new($"{path}: {OneLine(problem)}", inner!);

    internal static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}

internal static class ExampleFiles
{
    /// <summary>The exit code of a program stopped by a bad input or output file.</summary>
    public const int BadFileExitCode = 2;

    /// <summary>Runs the program; a bad input file, or an output file that cannot be written, becomes one line on standard error and exit code 2.</summary>
    public static int Run(Func<int> program)
    {
        try
        {
            return program();
        }
        catch (InputFileException e)
        {
            Console.Error.WriteLine(e.Message);
            return BadFileExitCode;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine(InputFileException.OneLine(e.Message));
            return BadFileExitCode;
        }
    }

    /// <summary>A sample file shipped with the example (its Data folder, copied beside the program).</summary>
    public static string Sample(string name) => Path.Combine(AppContext.BaseDirectory, "Data", name);

    /// <summary>
    /// Where an output goes when the user names no path: artifacts/&lt;example&gt;/&lt;file&gt; under the current folder
    /// (git ignores every artifacts folder of the repository). The folder is created.
    /// </summary>
    public static string DefaultOutput(string example, string file)
    {
        string folder = Path.Combine(Directory.GetCurrentDirectory(), "artifacts", example);
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, file);
    }

    /// <summary>
    /// Makes ready an output file the user named, before any work is done: creates its folder when missing, and
    /// refuses a path that is a folder.
    /// </summary>
    public static void PrepareOutput(string path)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw InputFileException.For(path, "is a folder; give the path of a file to save");
        }
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw InputFileException.For(path, $"cannot be saved: {e.Message}", e);
        }
    }

    /// <summary>The whole text of a UTF-8 file; a missing, unreadable or binary file is an <see cref="InputFileException"/>.</summary>
    public static string ReadText(string path)
    {
        if (!File.Exists(path))
        {
            throw InputFileException.For(path, Directory.Exists(path) ? "is a folder, not a file" : "file not found");
        }
        string text;
        try
        {
            text = File.ReadAllText(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true));
        }
        catch (DecoderFallbackException)
        {
            throw InputFileException.For(path, "is not UTF-8 text");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw InputFileException.For(path, $"cannot be read: {e.Message}", e);
        }
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw InputFileException.For(path, "contains NUL characters; expected a text file");
        }
        return text;
    }

    /// <summary>
    /// The lines of a UTF-8 text file, with the checks of <see cref="ReadText"/>. Lines end at \n, \r\n or \r, as in
    /// <see cref="TextReader.ReadLine"/> and ML.NET's loader; not at other Unicode line separators (U+0085 occurs in
    /// real sentences).
    /// </summary>
    public static string[] ReadLines(string path)
    {
        string[] lines = ReadText(path).Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
        return lines[^1].Length == 0 ? lines[..^1] : lines;
    }
}
