using System.Buffers.Binary;
using System.Collections.ObjectModel;
using System.Text.Json;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Serialization;

/// <summary>
/// Reads PyTorch weights from a <c>.safetensors</c> file (the safe format: an 8-byte little-endian header length, a JSON
/// header naming each tensor's dtype, shape and byte range, then the raw little-endian tensors; nothing in it runs) and
/// copies them into a <see cref="SequenceModel"/> or a <see cref="RecurrentLayer"/> by PyTorch parameter name.
/// </summary>
/// <remarks>
/// The file is untrusted input. Reading checks the header length (at most 100 MB, within the file), that the header is
/// one JSON object of tensor entries (plus an optional <c>__metadata__</c> object of strings) with no name twice, the
/// dtypes (<c>F32</c>, and <c>F16</c>, <c>BF16</c>, <c>F64</c> converted to float32), that each shape's size matches its
/// byte range, that the ranges lie in the file, do not overlap and leave no hole, and that every value is finite. Any
/// failure is an <see cref="InvalidDataException"/> naming the tensor and what is allowed. Memory use is bounded by the
/// file's size.
/// </remarks>
public sealed class SafeTensorsFile
{
    /// <summary>The largest header this reader accepts: 100 MB, the format's own limit.</summary>
    public const int MaxHeaderBytes = 100_000_000;

    private SafeTensorsFile(Dictionary<string, SafeTensor> tensors, Dictionary<string, string> metadata)
    {
        Tensors = new ReadOnlyDictionary<string, SafeTensor>(tensors);
        Metadata = new ReadOnlyDictionary<string, string>(metadata);
    }

    /// <summary>The tensors by name.</summary>
    public IReadOnlyDictionary<string, SafeTensor> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> strings; empty when there are none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Reads a <c>.safetensors</c> file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The tensors.</returns>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file of supported dtypes; the message says why.</exception>
    public static SafeTensorsFile Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Read(File.ReadAllBytes(path));
    }

    /// <summary>Reads a safetensors file held in memory.</summary>
    /// <param name="data">The whole file.</param>
    /// <returns>The tensors.</returns>
    /// <exception cref="InvalidDataException">The data is not a valid safetensors file of supported dtypes; the message says why.</exception>
    public static SafeTensorsFile Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < 8)
        {
            throw new InvalidDataException($"Not a safetensors file: it has {data.Length} bytes, fewer than the 8-byte header length.");
        }
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(data);
        if (headerLength > MaxHeaderBytes || headerLength > (ulong)(data.Length - 8))
        {
            throw new InvalidDataException($"The safetensors header length is {headerLength} bytes; it must be at most {Math.Min(MaxHeaderBytes, data.Length - 8)} (100 MB and within the {data.Length}-byte file).");
        }
        var header = data.Slice(8, (int)headerLength);
        var body = data[(8 + (int)headerLength)..];
        if (!System.Text.Unicode.Utf8.IsValid(header))
        {
            throw new InvalidDataException("The safetensors header is not valid UTF-8 text.");
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The safetensors header is not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"The safetensors header is a JSON {document.RootElement.ValueKind}; it must be an object of tensors.");
            }
            var tensors = new Dictionary<string, SafeTensor>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var ranges = new List<(long Begin, long End, string Name)>();
            bool hasMetadata = false;
            foreach (var entry in document.RootElement.EnumerateObject())
            {
                if (tensors.ContainsKey(entry.Name) || (entry.Name == "__metadata__" && hasMetadata))
                {
                    throw new InvalidDataException($"The safetensors header names '{entry.Name}' twice.");
                }
                if (entry.Name == "__metadata__")
                {
                    hasMetadata = true;
                    ReadMetadata(entry.Value, metadata);
                    continue;
                }
                var (tensor, begin, end) = SafeTensorEntry.Read(entry.Name, entry.Value, body);
                tensors.Add(entry.Name, tensor);
                ranges.Add((begin, end, entry.Name));
            }
            CheckCoverage(ranges, body.Length);
            return new SafeTensorsFile(tensors, metadata);
        }
    }

    /// <summary>
    /// Copies every parameter of <paramref name="model"/> from the tensor of the same name (PyTorch's state_dict names:
    /// <c>embedding.weight</c>, <c>lstm.weight_ih_l0</c>, <c>fc.weight</c>, ...), as PyTorch's strict
    /// <c>load_state_dict</c> does: every parameter must be present with its exact shape, and no other tensor may be.
    /// Nothing is copied unless everything fits.
    /// </summary>
    /// <param name="model">The model whose weights are replaced.</param>
    /// <exception cref="InvalidDataException">A tensor is missing, unexpected or of the wrong shape; the message names it.</exception>
    public void CopyTo(SequenceModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        CopyTo(model.Parameters, [.. model.Parameters.Names], "", "");
    }

    /// <summary>
    /// Copies every parameter of <paramref name="layer"/> (<c>weight_ih_l0</c>, <c>bias_hh_l1_reverse</c>, ...) from the
    /// tensor named <paramref name="prefix"/> + that name, e.g. prefix <c>"lstm."</c> for a layer saved inside a module,
    /// or <c>""</c> for a bare <c>nn.LSTM</c>. Strict as <see cref="CopyTo(SequenceModel)"/>, among the tensors that start with the prefix.
    /// </summary>
    /// <param name="layer">The layer whose weights are replaced.</param>
    /// <param name="prefix">The prefix of the layer's tensor names in the file; empty for none.</param>
    /// <exception cref="InvalidDataException">A tensor is missing, unexpected or of the wrong shape; the message names it.</exception>
    public void CopyTo(RecurrentLayer layer, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(prefix);
        CopyTo(layer.Parameters, [.. layer.ParameterNames], layer.NamePrefix, prefix);
    }

    // ownPrefix: the prefix of the names inside the parameter set (a layer inside a model: "lstm."); the file's names
    // are prefix + the PyTorch name.
    private void CopyTo(ParameterSet parameters, string[] names, string ownPrefix, string prefix)
    {
        var wanted = names.ToDictionary(n => prefix + n[ownPrefix.Length..], n => n, StringComparer.Ordinal);
        var unexpected = Tensors.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !wanted.ContainsKey(k)).ToArray();
        if (unexpected.Length > 0)
        {
            throw new InvalidDataException($"Unexpected tensor(s) in the safetensors file: {string.Join(", ", unexpected)}. The model has: {string.Join(", ", wanted.Keys)}.");
        }
        foreach (var (fileName, name) in wanted)
        {
            if (!Tensors.TryGetValue(fileName, out var tensor))
            {
                throw new InvalidDataException($"The safetensors file has no tensor '{fileName}'. The model needs: {string.Join(", ", wanted.Keys)}.");
            }
            var shape = parameters.GetInfo(name).Shape;
            if (!tensor.Shape.SequenceEqual(shape))
            {
                throw new InvalidDataException($"Tensor '{fileName}' has shape [{string.Join(", ", tensor.Shape)}]; the model's parameter has shape [{string.Join(", ", shape)}].");
            }
        }
        foreach (var (fileName, name) in wanted)
        {
            parameters.SetValues(name, Tensors[fileName].Values.Span);
        }
    }

    private static void ReadMetadata(JsonElement element, Dictionary<string, string> metadata)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"The safetensors '__metadata__' is a JSON {element.ValueKind}; it must be an object of strings.");
        }
        foreach (var item in element.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String || !metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw new InvalidDataException($"The safetensors metadata entry '{item.Name}' must be a string and appear once.");
            }
        }
    }

    // The format requires the byte ranges to cover the data exactly: sorted, no overlap, no hole, nothing after.
    private static void CheckCoverage(List<(long Begin, long End, string Name)> ranges, int bodyLength)
    {
        long position = 0;
        foreach (var (begin, end, name) in ranges.OrderBy(r => r.Begin).ThenBy(r => r.End))
        {
            if (begin != position)
            {
                throw new InvalidDataException(begin < position
                    ? $"Tensor '{name}' (bytes {begin}..{end}) overlaps the tensor before it, which ends at byte {position}."
                    : $"The safetensors data has a hole: bytes {position}..{begin} belong to no tensor (before '{name}').");
            }
            position = end;
        }
        if (position != bodyLength)
        {
            throw new InvalidDataException($"The safetensors data has {bodyLength} bytes, but its tensors cover {position}.");
        }
    }
}
