using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Models;

/// <summary>
/// The character CNN of character-aware words (Kim et al. 2016, without the highway layer). For each token with character
/// ids c (length m, begin and end markers included) and each width w = 1..W:
/// <code>
/// windows p = 0 .. max(1, m - w + 1) - 1; window p reads characters p .. p + w - 1 (zero vectors past the word's end)
/// conv_w[p, f] = sum_k sum_e weight_w[f, e, k] * char_embedding[c[p + k], e]     (PyTorch Conv1d, no padding)
/// out[w, f]    = tanh(max_p conv_w[p, f] + bias_w[f])                          (= max_p tanh(...): tanh is increasing)
/// </code>
/// The token's input to the recurrent stack is [embedding (E) | out (W·F)]. The convolution runs as one GEMM per width over
/// all windows of the batch (im2col, k-major); the backward follows each filter's maximum window only.
/// Parameters: <c>char_embedding.weight</c> (Vc, Ec) and per width <c>char_conv.{w-1}.weight</c> (F, Ec, w), <c>char_conv.{w-1}.bias</c> (F).
/// </summary>
public sealed partial class SequenceModel
{
    private ParameterInfo? _charEmbedding;
    private ParameterInfo[] _charWeights = [];
    private ParameterInfo[] _charBiases = [];

    private void AddCharacterParameters()
    {
        var o = Options;
        if (!o.UsesCharacters)
        {
            return;
        }
        _charEmbedding = Parameters.Add("char_embedding.weight", o.CharacterVocabularySize, o.CharacterEmbeddingSize);
        _charWeights = new ParameterInfo[o.CharacterMaxWidth];
        _charBiases = new ParameterInfo[o.CharacterMaxWidth];
        for (int i = 0; i < o.CharacterMaxWidth; i++)
        {
            _charWeights[i] = Parameters.Add($"char_conv.{i}.weight", o.CharacterFilters, o.CharacterEmbeddingSize, i + 1);
            _charBiases[i] = Parameters.Add($"char_conv.{i}.bias", o.CharacterFilters);
        }
    }

    // PyTorch's defaults, after every other parameter (so models without characters draw the numbers they always drew):
    // embedding N(0, 1); Conv1d weight and bias U(±1/sqrt(Ec·w)).
    private void ResetCharacterParameters(Random random)
    {
        if (_charEmbedding is null)
        {
            return;
        }
        FillNormal(Parameters.GetValues(_charEmbedding), random);
        for (int i = 0; i < _charWeights.Length; i++)
        {
            float bound = 1f / MathF.Sqrt(Options.CharacterEmbeddingSize * (i + 1));
            foreach (var info in new[] { _charWeights[i], _charBiases[i] })
            {
                var v = Parameters.GetValues(info);
                for (int j = 0; j < v.Length; j++)
                {
                    v[j] = (float)((random.NextDouble() * 2 - 1) * bound);
                }
            }
        }
    }

    private static void FillNormal(Span<float> values, Random random)
    {
        for (int i = 0; i < values.Length; i++)
        {
            // Box-Muller: standard normal.
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            values[i] = (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
    }

    // Writes each token's character features into columns [E, E + W·F) of the packed input x (n, E + W·F).
    private void ForwardCharacters(ModelWorkspace ws, ReadOnlySpan<SequenceExample> batch, ReadOnlySpan<int> lengths, Span<float> x)
    {
        var o = Options;
        var layout = ws.Recurrent.Layout;
        int n = layout.TotalRows, e = o.CharacterEmbeddingSize, f = o.CharacterFilters, widths = o.CharacterMaxWidth;
        int inSize = o.StepInputSize, offset = o.EmbeddingSize, features = widths * f;
        // Every packed row's characters, in packed row order: (n) starts into one flat id array.
        var starts = ModelWorkspace.Ensure(ref ws.CharStarts, n + 1);
        var rowExample = ModelWorkspace.Ensure(ref ws.CharRowSource, 2 * n);
        for (int b = 0; b < batch.Length; b++)
        {
            for (int t = 0; t < lengths[b]; t++)
            {
                int row = layout.RowOf(b, t);
                rowExample[2 * row] = b;
                rowExample[2 * row + 1] = t;
            }
        }
        starts[0] = 0;
        for (int row = 0; row < n; row++)
        {
            starts[row + 1] = starts[row] + batch[rowExample[2 * row]].Characters![rowExample[2 * row + 1]].Length;
        }
        var ids = ModelWorkspace.Ensure(ref ws.CharIds, starts[n]);
        for (int row = 0; row < n; row++)
        {
            batch[rowExample[2 * row]].Characters![rowExample[2 * row + 1]].CopyTo(ids, starts[row]);
        }
        var table = Parameters.GetValues(_charEmbedding!);
        var output = Buffers.Ensure(ref ws.CharOutput, n * features).AsSpan(0, n * features);
        var argMax = ModelWorkspace.Ensure(ref ws.CharMaxWindow, n * features);
        for (int wi = 0; wi < widths; wi++)
        {
            int w = wi + 1, k = w * e;
            int windows = 0;
            for (int row = 0; row < n; row++)
            {
                windows += WindowCount(starts[row + 1] - starts[row], w);
            }
            var filter = KMajorFilter(ws, wi);
            var columns = Buffers.Ensure(ref ws.CharColumns, windows * k).AsSpan(0, windows * k);
            var conv = Buffers.Ensure(ref ws.CharConv, windows * f).AsSpan(0, windows * f);
            columns.Clear();
            int p0 = 0;
            for (int row = 0; row < n; row++)
            {
                int m = starts[row + 1] - starts[row], count = WindowCount(m, w);
                for (int p = 0; p < count; p++)
                {
                    for (int j = 0; j < w && p + j < m; j++)
                    {
                        table.Slice(ids[starts[row] + p + j] * e, e).CopyTo(columns.Slice((p0 + p) * k + j * e, e));
                    }
                }
                p0 += count;
            }
            Gemm.Multiply(false, true, windows, f, k, columns, k, filter, k, conv, f, accumulate: false);
            var bias = Parameters.GetValues(_charBiases[wi]);
            p0 = 0;
            for (int row = 0; row < n; row++)
            {
                int count = WindowCount(starts[row + 1] - starts[row], w);
                var best = output.Slice(row * features + wi * f, f);
                var bestWindow = argMax.AsSpan(row * features + wi * f, f);
                conv.Slice(p0 * f, f).CopyTo(best);
                bestWindow.Fill(p0);
                for (int p = 1; p < count; p++)
                {
                    var values = conv.Slice((p0 + p) * f, f);
                    for (int j = 0; j < f; j++)
                    {
                        if (values[j] > best[j])
                        {
                            best[j] = values[j];
                            bestWindow[j] = p0 + p;
                        }
                    }
                }
                TensorPrimitives.Add(best, bias, best);
                TensorPrimitives.Tanh(best, best);
                p0 += count;
            }
        }
        for (int row = 0; row < n; row++)
        {
            output.Slice(row * features, features).CopyTo(x.Slice(row * inSize + offset, features));
        }
    }

    // Adds the gradients of the character CNN, given dx (n, E + W·F) on the packed input; Forward ran on this batch.
    private void BackwardCharacters(ModelWorkspace ws, int n, ReadOnlySpan<float> dInput)
    {
        var o = Options;
        int e = o.CharacterEmbeddingSize, f = o.CharacterFilters, widths = o.CharacterMaxWidth;
        int inSize = o.StepInputSize, offset = o.EmbeddingSize, features = widths * f;
        var starts = ws.CharStarts;
        var ids = ws.CharIds;
        var table = Parameters.GetValues(_charEmbedding!);
        var dTable = Parameters.GetGradients(_charEmbedding!);
        for (int wi = 0; wi < widths; wi++)
        {
            int w = wi + 1, k = w * e;
            var filter = KMajorFilter(ws, wi);
            var dFilter = Buffers.Ensure(ref ws.CharFilterGradient, f * k).AsSpan(0, f * k);
            dFilter.Clear();
            var dBias = Parameters.GetGradients(_charBiases[wi]);
            int p0 = 0;
            for (int row = 0; row < n; row++)
            {
                int m = starts[row + 1] - starts[row];
                for (int j = 0; j < f; j++)
                {
                    int at = row * features + wi * f + j;
                    float y = ws.CharOutput[at];
                    float g = dInput[row * inSize + offset + wi * f + j] * (1f - y * y);
                    dBias[j] += g;
                    int p = ws.CharMaxWindow[at] - p0;
                    // The maximum window read characters p .. p + w - 1 (those inside the word).
                    for (int c = 0; c < w && p + c < m; c++)
                    {
                        int id = ids[starts[row] + p + c];
                        TensorPrimitives.MultiplyAdd(table.Slice(id * e, e), g, dFilter.Slice(j * k + c * e, e), dFilter.Slice(j * k + c * e, e));
                        TensorPrimitives.MultiplyAdd(filter.Slice(j * k + c * e, e), g, dTable.Slice(id * e, e), dTable.Slice(id * e, e));
                    }
                }
                p0 += WindowCount(m, w);
            }
            // k-major (F, w, Ec) back to PyTorch's (F, Ec, w).
            var dWeight = Parameters.GetGradients(_charWeights[wi]);
            for (int j = 0; j < f; j++)
            {
                for (int c = 0; c < w; c++)
                {
                    for (int d = 0; d < e; d++)
                    {
                        dWeight[(j * e + d) * w + c] += dFilter[j * k + c * e + d];
                    }
                }
            }
        }
    }

    // The width's filters (F, w·Ec) in k-major order, from PyTorch's (F, Ec, w) layout.
    private ReadOnlySpan<float> KMajorFilter(ModelWorkspace ws, int wi)
    {
        int e = Options.CharacterEmbeddingSize, f = Options.CharacterFilters, w = wi + 1, k = w * e;
        var weight = Parameters.GetValues(_charWeights[wi]);
        var filter = Buffers.Ensure(ref ws.CharFilter, f * k).AsSpan(0, f * k);
        for (int j = 0; j < f; j++)
        {
            for (int d = 0; d < e; d++)
            {
                for (int c = 0; c < w; c++)
                {
                    filter[j * k + c * e + d] = weight[(j * e + d) * w + c];
                }
            }
        }
        return filter;
    }

    private static int WindowCount(int characters, int width) => Math.Max(1, characters - width + 1);

    internal ParameterInfo? CharacterEmbedding => _charEmbedding;
}
