using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Training;

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
        var rows = ReadRows(input, Options.FeatureColumnName, Options.LabelColumnName, nameof(input));
        if (rows.Count == 0)
        {
            throw new ArgumentException($"The training data is empty: no rows in columns '{Options.FeatureColumnName}' and '{Options.LabelColumnName}'.", nameof(input));
        }
        var (mean, std) = Statistics(rows);
        var examples = Encode(rows, mean, std, Options.MaxSequenceLength);
        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.Regression, InputFeatures = 1, Cell = Options.Cell, HiddenSize = Options.HiddenSize,
            NumLayers = Options.NumLayers, OutputSize = 1, Dropout = Options.Dropout,
        }, Options.Seed);
        var result = Options.Train(model, examples);
        return CreateTransformer(_context, Options.FeatureColumnName, model, mean, std, Options.MaxSequenceLength, result, input);
    }

    // The mean and deviation of every series value: the model sees standardised values and labels.
    internal static (double Mean, double Std) Statistics(List<(float[] Series, float Label)> rows)
    {
        var all = rows.SelectMany(r => r.Series).Select(v => (double)v).ToArray();
        double mean = all.Average();
        double std = Math.Sqrt(all.Select(v => (v - mean) * (v - mean)).Average());
        return (mean, std > 1e-12 ? std : 1.0);
    }

    // Each series cut to its most recent maxLength values, standardised, with its standardised label.
    internal static List<SequenceExample> Encode(List<(float[] Series, float Label)> rows, double mean, double std, int maxLength) => rows.Select(r =>
    {
        var s = r.Series.Length > maxLength ? r.Series[^maxLength..] : r.Series;
        return SequenceExample.ForRegression(s.Select(v => (float)((v - mean) / std)).ToArray(), [(float)((r.Label - mean) / std)]);
    }).ToList();

    // Wraps a trained model into the saveable chain of stock parts.
    internal static RecurrentModelTransformer CreateTransformer(MLContext context, string featureColumn, SequenceModel model, double mean, double std,
        int maxLength, TrainingResult? result, IDataView input)
    {
        var bundle = new RecurrentModelBundle(model, null, null,
            [new(MeanKey, mean), new(StdKey, std), new(RecurrentTextClassifierEstimator.MaxLengthKey, maxLength)],
            [new("task", "series-regression")]);
        return new RecurrentModelTransformer(Template(context, featureColumn, bundle.ToBase64()).Fit(input), bundle, result);
    }

    private static EstimatorChain<Transforms.ColumnSelectingTransformer> Template(MLContext context, string featureColumn, string modelText) =>
        RecurrentChain.WithModel(context, context.Transforms.CopyColumns(RecurrentColumnNames.Series, featureColumn), modelText)
            .Append(context.Transforms.CustomMapping<RecurrentSeriesInput, RecurrentRegressionOutput>(RecurrentSeriesRegressorFactory.Map, RecurrentSeriesRegressorFactory.ContractName))
            .Append(context.Transforms.DropColumns(RecurrentColumnNames.Series, RecurrentColumnNames.ModelKey, RecurrentColumnNames.Model));

    // Every row, in row order; an empty series or a non-finite value is an error naming the row.
    internal static List<(float[] Series, float Label)> ReadRows(IDataView data, string featureColumn, string labelColumn, string paramName)
    {
        var features = ColumnCheck.Require(data.Schema, featureColumn, "a vector of Single (the series)",
            t => t is VectorDataViewType { ItemType: var item } && item == NumberDataViewType.Single, paramName);
        var label = ColumnCheck.Require(data.Schema, labelColumn, "Single", t => t == NumberDataViewType.Single, paramName);
        var rows = new List<(float[], float)>();
        using var cursor = data.GetRowCursor([features, label]);
        var getFeatures = cursor.GetGetter<VBuffer<float>>(features);
        var getLabel = cursor.GetGetter<float>(label);
        VBuffer<float> f = default;
        float l = 0;
        while (cursor.MoveNext())
        {
            getFeatures(ref f);
            getLabel(ref l);
            var series = f.DenseValues().ToArray();
            if (series.Length == 0 || !Array.TrueForAll(series, float.IsFinite) || !float.IsFinite(l))
            {
                throw new ArgumentException($"Row {rows.Count} of the data has {(series.Length == 0 ? "an empty series" : "a non-finite value")} in '{featureColumn}' or '{labelColumn}'; training needs finite numbers and at least one step.", paramName);
            }
            rows.Add((series, l));
        }
        return rows;
    }
}
