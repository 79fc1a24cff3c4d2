using System.Security.Cryptography;
using System.Text;

namespace Microsoft.ML.Recurrent.Engine;

/// <summary>
/// Replaces a file atomically: the content goes to a temporary file in the same folder, is flushed to disk and is then
/// moved over the target, so a crash never leaves a half-written file in its place.
/// </summary>
/// <remarks>
/// The temporary file of a target is always the same short name, <c>.&lt;16 hex digits&gt;.rnnsave.tmp</c>, the digits
/// being a hash of the target's file name. So its length does not depend on the target's (a name of up to 255 bytes
/// can be saved), and a temporary file left by a killed save is overwritten and moved away by the next save of the same
/// file. The temporary file is opened exclusively: a second save of the same file while one is running fails with an
/// <see cref="IOException"/> instead of mixing the two. Used by <c>.rnnmodel</c> and checkpoint saves and by the ML.NET
/// plugin's <c>SaveAtomically</c>.
/// </remarks>
internal static class AtomicFile
{
    /// <summary>The end of every temporary file name.</summary>
    public const string TemporarySuffix = ".rnnsave.tmp";

    /// <summary>The temporary file that a save of <paramref name="fullPath"/> writes first.</summary>
    public static string TemporaryPath(string fullPath)
    {
        string name = Path.GetFileName(fullPath);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(name), hash);
        return Path.Join(Path.GetDirectoryName(fullPath), "." + Convert.ToHexStringLower(hash[..8]) + TemporarySuffix);
    }

    /// <summary>
    /// Writes <paramref name="path"/> through its temporary file. I/O errors name <paramref name="path"/>, never the
    /// temporary file (which is in the inner exception); on any failure an existing file at <paramref name="path"/> is
    /// left as it was and the temporary file is removed.
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <param name="write">Writes the whole content; it may dispose the stream it is given (the file stays open for the flush to disk).</param>
    /// <exception cref="DirectoryNotFoundException">The folder of <paramref name="path"/> does not exist.</exception>
    /// <exception cref="IOException">Writing or replacing the file failed.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder or the file may not be written.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? full;
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Could not save '{full}': the folder '{folder}' does not exist.");
        }
        string temp = TemporaryPath(full);
        FileStream? file = null;
        try
        {
            // OpenOrCreate then truncate: the lock is taken before anything of another save's file is lost.
            file = new FileStream(temp, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None);
            file.SetLength(0);
            write(new NonClosingStream(file));
            file.Flush(flushToDisk: true);
            file.Dispose();
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Naming(e, full, temp);
        }
        finally
        {
            if (file is not null)
            {
                file.Dispose();
                DeleteQuietly(temp);
            }
        }
    }

    private static Exception Naming(Exception e, string full, string temp)
    {
        string message = $"Could not save '{full}': {e.Message.Replace(temp, full, StringComparison.Ordinal)}";
        return e switch
        {
            DirectoryNotFoundException => new DirectoryNotFoundException(message, e),
            PathTooLongException => new PathTooLongException(message, e),
            UnauthorizedAccessException => new UnauthorizedAccessException(message, e),
            _ => new IOException(message, e),
        };
    }

    // Best effort: a failure to remove the temporary file must not hide the exception that caused the cleanup.
    private static void DeleteQuietly(string temp)
    {
        try
        {
            File.Delete(temp);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    // Lets the writer dispose its stream (ML.NET's Save does) while the file stays open for the flush to disk.
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void SetLength(long value) => inner.SetLength(value);

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
    }
}
