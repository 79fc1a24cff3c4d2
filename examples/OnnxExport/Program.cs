// Exports a saved recurrent text classifier (an ML.NET .zip of the plugin, or a .rnnmodel) to ONNX, scores the .onnx with
// ONNX Runtime in a separate process (which knows nothing of this library), and prints the largest difference from our
// own probabilities, the two file sizes, and the batch-1 latency of each.
//   dotnet run -c Release --project examples/OnnxExport
//   dotnet run -c Release --project examples/OnnxExport -- --model artifacts/SentimentClassification/sentiment.zip --input sentences.txt
// With no arguments it exports the small sentiment model of examples/ModelConsumer and scores its sentences.
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

var modelOption = new Option<FileInfo?>("--model") { Description = "a .zip (ML.NET plugin) or .rnnmodel text classifier (default: the shipped sentiment-tiny.zip)" };
var inputOption = new Option<FileInfo?>("--input") { Description = "sentences, one per line (default: the shipped Data/sentences.txt)" };
var outputOption = new Option<FileInfo?>("--output") { Description = "the .onnx file to write (default: artifacts/OnnxExport/model.onnx)" };
var repeatOption = new Option<int>("--repeat") { Description = "predictions timed for the batch-1 latency", DefaultValueFactory = _ => 200 };
var root = new RootCommand("Export a recurrent model to ONNX and compare ONNX Runtime's probabilities with ours.") { modelOption, inputOption, outputOption, repeatOption };
root.SetAction(r => ExampleFiles.Run(() => Exporter.Run(
    r.GetValue(modelOption)?.FullName ?? ExampleFiles.Sample("sentiment-tiny.zip"),
    r.GetValue(inputOption)?.FullName ?? ExampleFiles.Sample("sentences.txt"),
    r.GetValue(outputOption)?.FullName ?? ExampleFiles.DefaultOutput("OnnxExport", "model.onnx"),
    r.GetValue(repeatOption))));

var scoreCommand = new Command("score", "(the second process) score a batch file with ONNX Runtime and print JSON");
var onnxArgument = new Argument<FileInfo>("onnx");
var batchArgument = new Argument<FileInfo>("batch");
scoreCommand.Arguments.Add(onnxArgument);
scoreCommand.Arguments.Add(batchArgument);
scoreCommand.Options.Add(repeatOption);
scoreCommand.SetAction(r => OnnxScorer.Run(r.GetValue(onnxArgument)!.FullName, r.GetValue(batchArgument)!.FullName, r.GetValue(repeatOption)));
root.Subcommands.Add(scoreCommand);
return root.Parse(args).Invoke();

internal static class Exporter
{
    public static int Run(string modelPath, string inputPath, string onnxPath, int repeat)
    {
        ExampleFiles.PrepareOutput(onnxPath);
        string[] sentences = ExampleFiles.ReadLines(inputPath);
        var model = OurModel.Load(modelPath);
        float[][] ours = model.Probabilities(sentences);
        model.Export(onnxPath);

        // The consumer's side: token ids as the model's own sequencer makes them, padded into one batch.
        string batchPath = Path.ChangeExtension(onnxPath, ".batch.json");
        int[][] ids = [.. sentences.Select(model.Encode)];
        File.WriteAllText(batchPath, JsonSerializer.Serialize(new OnnxBatch(ids, [.. ids.Select(t => t.Length)])));
        var child = RunChild(onnxPath, batchPath, repeat);
        File.Delete(batchPath);

        double largest = 0;
        for (int i = 0; i < sentences.Length; i++)
        {
            for (int c = 0; c < ours[i].Length; c++)
            {
                largest = Math.Max(largest, Math.Abs(ours[i][c] - child.Probabilities[i][c]));
            }
        }
        double oursMicroseconds = model.MedianMicroseconds(sentences[0], repeat);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sentences: {sentences.Length}, classes: {ours[0].Length}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"model: {new FileInfo(modelPath).Length} bytes ({Path.GetFileName(modelPath)}), onnx: {new FileInfo(onnxPath).Length} bytes ({onnxPath})"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"batch-1 latency, median of {repeat}: ours {oursMicroseconds:F1} us ({model.LatencyPath}), ONNX Runtime {child.MedianMicroseconds:F1} us (token ids in, one thread)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"largest difference: {largest:E2}"));
        return largest <= 1e-5 ? 0 : 1;
    }

    // ONNX Runtime in its own process: this program again, with the "score" command.
    private static OnnxResult RunChild(string onnxPath, string batchPath, int repeat)
    {
        string self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(Exporter).Assembly.Location);
        }
        foreach (string a in new[] { "score", onnxPath, batchPath, "--repeat", repeat.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The ONNX Runtime process failed ({process.ExitCode}): {error.Result}");
        }
        return JsonSerializer.Deserialize<OnnxResult>(output)!;
    }
}

internal sealed record OnnxBatch(int[][] Tokens, int[] Lengths);

internal sealed record OnnxResult(float[][] Probabilities, double MedianMicroseconds);
