using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;

namespace Microsoft.ML.Recurrent;

/// <summary>Options of the recurrent series regressor.</summary>
public sealed class RecurrentSeriesRegressorOptions : RecurrentTrainingOptions
{
    /// <summary>Creates the options with this trainer's defaults: MaxSequenceLength 512, Cell RecurrentCellKind.Gru, HiddenSize 32, LearningRate 3e-3, Epochs 30.</summary>
    public RecurrentSeriesRegressorOptions()
    {
        MaxSequenceLength = 512;
        Cell = RecurrentCellKind.Gru;
        HiddenSize = 32;
        LearningRate = 3e-3;
        Epochs = 30;
    }

    /// <summary>The label column (<see cref="float"/>): the value to predict, e.g. the next value of the series. Default "Label".</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>The series column: a vector of <see cref="float"/> (known or variable size), oldest value first. Default "Features".</summary>
    public string FeatureColumnName { get; set; } = "Features";
}

/// <summary>
/// Trains a recurrent regressor / one-step forecaster on a float-vector series column and a float label; the
/// transformer adds <c>Score</c> (what <c>Regression.Evaluate</c> reads). Values are standardised with the
/// training mean and deviation inside the model. At prediction an empty series or one with a non-finite value
/// gives a NaN score, like other ML.NET predictors given missing features; in training they are an error.
/// </summary>
public sealed class RecurrentSeriesRegressorEstimator : IEstimator<RecurrentModelTransformer>
{
    internal const string MeanKey = "series_mean";
    internal const string StdKey = "series_std";
    private readonly MLContext _context;

    internal RecurrentSeriesRegressorEstimator(MLContext context, RecurrentSeriesRegressorOptions options)
    {
        _context = context;
        Options = options;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSequenceLength, 1, nameof(options));
    }

    /// <summary>The options.</summary>
    public RecurrentSeriesRegressorOptions Options { get; }

    /// <summary>The input columns plus Score.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var features = inputSchema.FirstOrDefault(c => c.Name == Options.FeatureColumnName);
        if (features.Name is null || features.Kind == SchemaShape.Column.VectorKind.Scalar || features.ItemType != NumberDataViewType.Single)
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{Options.FeatureColumnName}' {(features.Name is null ? "was not found" : $"has type {features.ItemType}{(features.Kind == SchemaShape.Column.VectorKind.Scalar ? "" : " vector")}")}; expected a vector of Single.");
        }
        return Template(_context, Options.FeatureColumnName, "").GetOutputSchema(inputSchema);
    }

    /// <summary>Reads the series, trains, and returns a transformer that predicts with the model.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type.</exception>
    /// <exception cref="ArgumentException">No rows, an empty series, or a non-finite value (the message names the row).</exception>
    public RecurrentModelTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var rows = ReadRows(input);
        if (rows.Count == 0)
        {
            throw new ArgumentException($"The training data is empty: no rows in columns '{Options.FeatureColumnName}' and '{Options.LabelColumnName}'.", nameof(input));
        }
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i].Series.Length == 0 || !Array.TrueForAll(rows[i].Series, float.IsFinite) || !float.IsFinite(rows[i].Label))
            {
                throw new ArgumentException($"Row {i} of the training data has {(rows[i].Series.Length == 0 ? "an empty series" : "a non-finite value")} in '{Options.FeatureColumnName}' or '{Options.LabelColumnName}'; training needs finite numbers and at least one step.", nameof(input));
            }
        }
        var all = rows.SelectMany(r => r.Series).Select(v => (double)v).ToArray();
        double mean = all.Average();
        double std = Math.Sqrt(all.Select(v => (v - mean) * (v - mean)).Average());
        std = std > 1e-12 ? std : 1.0;
        var examples = rows.Select(r =>
        {
            var s = r.Series.Length > Options.MaxSequenceLength ? r.Series[^Options.MaxSequenceLength..] : r.Series;
            return SequenceExample.ForRegression(s.Select(v => (float)((v - mean) / std)).ToArray(), [(float)((r.Label - mean) / std)]);
        }).ToList();
        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.Regression, InputFeatures = 1, Cell = Options.Cell, HiddenSize = Options.HiddenSize,
            NumLayers = Options.NumLayers, OutputSize = 1, Dropout = Options.Dropout,
        }, Options.Seed);
        var result = Options.Train(model, examples);
        var bundle = new RecurrentModelBundle(model, null, null,
            [new(MeanKey, mean), new(StdKey, std), new(RecurrentTextClassifierEstimator.MaxLengthKey, Options.MaxSequenceLength)],
            [new("task", "series-regression")]);
        var chain = Template(_context, Options.FeatureColumnName, bundle.ToBase64()).Fit(input);
        return new RecurrentModelTransformer(chain, bundle, result);
    }

    private static EstimatorChain<Transforms.ColumnSelectingTransformer> Template(MLContext context, string featureColumn, string modelText) =>
        RecurrentChain.WithModel(context, context.Transforms.CopyColumns(RecurrentColumnNames.Series, featureColumn), modelText)
            .Append(context.Transforms.CustomMapping<RecurrentSeriesInput, RecurrentRegressionOutput>(RecurrentSeriesRegressorFactory.Map, RecurrentSeriesRegressorFactory.ContractName))
            .Append(context.Transforms.DropColumns(RecurrentColumnNames.Series, RecurrentColumnNames.ModelKey, RecurrentColumnNames.Model));

    private List<(float[] Series, float Label)> ReadRows(IDataView data)
    {
        var features = data.Schema.GetColumnOrNull(Options.FeatureColumnName);
        if (features is null || features.Value.Type is not VectorDataViewType { ItemType: var item } || item != NumberDataViewType.Single)
        {
            throw new ArgumentOutOfRangeException(nameof(data), $"Column '{Options.FeatureColumnName}' {(features is null ? "was not found" : $"has type {features.Value.Type}")}; expected a vector of Single (the series).");
        }
        var label = data.Schema.GetColumnOrNull(Options.LabelColumnName);
        if (label is null || label.Value.Type != NumberDataViewType.Single)
        {
            throw new ArgumentOutOfRangeException(nameof(data), $"Column '{Options.LabelColumnName}' {(label is null ? "was not found" : $"has type {label.Value.Type}")}; expected Single.");
        }
        var rows = new List<(float[], float)>();
        using var cursor = data.GetRowCursor([features.Value, label.Value]);
        var getFeatures = cursor.GetGetter<VBuffer<float>>(features.Value);
        var getLabel = cursor.GetGetter<float>(label.Value);
        VBuffer<float> f = default;
        float l = 0;
        while (cursor.MoveNext())
        {
            getFeatures(ref f);
            getLabel(ref l);
            rows.Add((f.DenseValues().ToArray(), l));
        }
        return rows;
    }
}
