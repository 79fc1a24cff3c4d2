using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

/// <summary>The second process: ONNX Runtime alone scores the exported file, with the documented input names.</summary>
internal static class OnnxScorer
{
    public static int Run(string onnxPath, string batchPath, int repeat)
    {
        var batch = JsonSerializer.Deserialize<OnnxBatch>(File.ReadAllText(batchPath))!;
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(onnxPath, options);
        // One padded batch of mixed lengths: steps past each length hold the padding id 0 and are ignored.
        int count = batch.Tokens.Length, longest = batch.Lengths.Max();
        var tokens = new long[count * longest];
        for (int b = 0; b < count; b++)
        {
            for (int t = 0; t < batch.Lengths[b]; t++)
            {
                tokens[b * longest + t] = batch.Tokens[b][t];
            }
        }
        float[] all = Score(session, tokens, batch.Lengths, longest);
        int classes = all.Length / count;
        float[][] probabilities = [.. Enumerable.Range(0, count).Select(b => all[(b * classes)..((b + 1) * classes)])];

        long[] first = [.. batch.Tokens[0].Select(t => (long)t)];
        var times = new double[repeat];
        for (int i = 0; i < repeat; i++)
        {
            long started = Stopwatch.GetTimestamp();
            Score(session, first, [first.Length], first.Length);
            times[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        }
        Array.Sort(times);
        Console.WriteLine(JsonSerializer.Serialize(new OnnxResult(probabilities, times[repeat / 2])));
        return 0;
    }

    private static float[] Score(InferenceSession session, long[] tokens, int[] lengths, int longest)
    {
        var inputs = new[]
        {
            NamedOnnxValue.CreateFromTensor("tokens", new DenseTensor<long>(tokens, [lengths.Length, longest])),
            NamedOnnxValue.CreateFromTensor("lengths", new DenseTensor<int>(lengths, [lengths.Length])),
        };
        using var results = session.Run(inputs, ["probabilities"]);
        return [.. results[0].AsTensor<float>()];
    }
}
