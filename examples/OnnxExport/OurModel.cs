using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Recurrent;
using Microsoft.ML.Recurrent.Generation;
using Microsoft.ML.Recurrent.Serialization;

/// <summary>Our side: a text classifier from a .zip (scored by its ML.NET transformer) or a .rnnmodel (a streaming session).</summary>
internal sealed class OurModel
{
    private readonly RecurrentModelFile _file;
    private readonly ITransformer? _transformer;
    private readonly MLContext _ml = new(1);
    private readonly int _maxLength;

    private OurModel(RecurrentModelFile file, ITransformer? transformer)
    {
        _file = file;
        _transformer = transformer;
        if (file.Sequencer is null || file.Model.Options.Task != Microsoft.ML.Recurrent.Models.SequenceTask.Classification)
        {
            throw new InputFileException($"This example compares text classifiers; the model is a {file.Model.Options.Task} model{(file.Sequencer is null ? " without a vocabulary" : "")}.");
        }
        if (transformer is null && file.Model.Options.IsBidirectional)
        {
            throw new InputFileException("A bidirectional .rnnmodel has no streaming session to compare with; export it through its ML.NET .zip.");
        }
        _maxLength = file.NumericMetadata.TryGetValue("max_sequence_length", out double max) ? (int)max : int.MaxValue;
    }

    // The binary trainer adds a Probability column; the multiclass one a Score vector.
    private bool IsBinary => _transformer!.GetOutputSchema(_ml.Data.LoadFromEnumerable(Array.Empty<TextRow>()).Schema).GetColumnOrNull("Probability") is not null;

    public string LatencyPath => _transformer is null ? "streaming session, token ids in" : "ML.NET PredictionEngine, text in";

    public static OurModel Load(string path)
    {
        try
        {
            if (path.EndsWith(RecurrentModelFile.Extension, StringComparison.OrdinalIgnoreCase))
            {
                return new OurModel(RecurrentModelFile.Load(path), null);
            }
            var transformer = new MLContext().Model.Load(path, out _);
            var members = RecurrentModels.MembersFromTransformer(transformer);
            if (members.Count > 1)
            {
                throw InputFileException.For(path, $"it holds a seed ensemble of {members.Count} classifiers; ONNX gets one model: train it with --set EnsembleSize=1 (and NgramEnsemble=false)", null);
            }
            return new OurModel(members[0], transformer);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or InvalidOperationException or FormatException)
        {
            throw InputFileException.For(path, e.Message, e);
        }
    }

    /// <summary>Token ids as the plugin makes them: the model's sequencer, the first max-length tokens, an empty text as one unknown token.</summary>
    public int[] Encode(string text)
    {
        var sequencer = _file.Sequencer!;
        int[] ids = sequencer.Encode(text);
        return ids.Length == 0 ? [Math.Max(0, sequencer.Vocabulary.UnknownId)] : ids.Length > _maxLength ? ids[.._maxLength] : ids;
    }

    public void Export(string onnxPath)
    {
        if (_transformer is not null)
        {
            RecurrentModels.ExportToOnnx(_transformer, onnxPath);
        }
        else
        {
            OnnxExporter.Export(_file, onnxPath);
        }
    }

    public float[][] Probabilities(string[] sentences)
    {
        if (_transformer is null)
        {
            return [.. sentences.Select(s => Stream(Encode(s)))];
        }
        var scored = _transformer.Transform(_ml.Data.LoadFromEnumerable(sentences.Select(s => new TextRow { Text = s })));
        // A binary classifier gives Probability (of class 1); a multiclass one a Score vector of probabilities.
        return IsBinary
            ? [.. scored.GetColumn<float>("Probability").Select(p => new[] { 1 - p, p })]
            : [.. scored.GetColumn<float[]>("Score")];
    }

    public double MedianMicroseconds(string sentence, int repeat)
    {
        Action predict;
        if (_transformer is null)
        {
            int[] ids = Encode(sentence);
            predict = () => Stream(ids);
        }
        else
        {
            var row = new TextRow { Text = sentence };
            // Reading the score makes ML.NET run the model (it computes only the columns the output class reads).
            if (IsBinary)
            {
                var engine = _ml.Model.CreatePredictionEngine<TextRow, BinaryScore>(_transformer);
                predict = () => engine.Predict(row);
            }
            else
            {
                var engine = _ml.Model.CreatePredictionEngine<TextRow, MulticlassScore>(_transformer);
                predict = () => engine.Predict(row);
            }
        }
        var times = new double[repeat];
        for (int i = 0; i < repeat; i++)
        {
            long started = Stopwatch.GetTimestamp();
            predict();
            times[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        }
        Array.Sort(times);
        return times[repeat / 2];
    }

    private float[] Stream(int[] ids)
    {
        var session = new StreamingPredictor(_file.Model).CreateSession();
        foreach (int id in ids)
        {
            session.Step(id);
        }
        return session.Probabilities.ToArray();
    }

    private sealed class TextRow
    {
        public string Text { get; set; } = "";
    }

    private sealed class BinaryScore
    {
        public float Score { get; set; }
    }

    private sealed class MulticlassScore
    {
        public float[] Score { get; set; } = [];
    }
}
