namespace Microsoft.ML.Recurrent.Serialization;

/// <summary>
/// Writes a file so that a crash or a failure never leaves a half-written file in its place: the content goes to a
/// temporary file in the same folder, is flushed to disk, and then replaces the target in one move. On any failure
/// the temporary file is removed and a file already at the target is left as it was. Used by the <c>.rnnmodel</c>
/// save and by the ML.NET plugin's <c>SaveAtomically</c>.
/// </summary>
internal static class AtomicFile
{
    // File names are limited to 255 characters on the common file systems; the temporary name adds 38.
    private const int MaxNamePrefix = 200;

    /// <summary>
    /// Calls <paramref name="write"/> with a stream over a new temporary file beside <paramref name="path"/>, then
    /// moves it over <paramref name="path"/>. Input/output errors name <paramref name="path"/>, never the temporary file.
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <param name="write">Writes the whole content; it may close the stream.</param>
    /// <exception cref="DirectoryNotFoundException">The folder of <paramref name="path"/> does not exist.</exception>
    /// <exception cref="IOException">Writing or replacing the file failed; the message names <paramref name="path"/>.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder or the file may not be written.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? full;
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Cannot save '{full}': the folder '{folder}' does not exist.");
        }
        string name = Path.GetFileName(full);
        string temp = Path.Combine(folder, $"{name[..Math.Min(name.Length, MaxNamePrefix)]}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(new NonClosingStream(file));
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new UnauthorizedAccessException($"Cannot save '{full}': {e.Message.Replace(temp, full, StringComparison.Ordinal)}", e);
        }
        catch (IOException e)
        {
            throw new IOException($"Cannot save '{full}': {e.Message.Replace(temp, full, StringComparison.Ordinal)}", e);
        }
        finally
        {
            DeleteQuietly(temp);
        }
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
