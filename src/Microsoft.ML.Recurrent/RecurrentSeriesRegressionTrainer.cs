using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.SavedModel;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Trains a recurrent regressor / one-step forecaster on a float-vector series column and a float label; the
/// transformer adds <c>Score</c> (what <c>Regression.Evaluate</c> reads). Values are standardised with the
/// training mean and deviation inside the model. At prediction an empty series or one with a non-finite value
/// gives a NaN score, like other ML.NET predictors given missing features; in training they are an error.
/// </summary>
/// <remarks>
/// Create it with <see cref="RecurrentCatalog.RecurrentSeriesRegressor(RegressionCatalog.RegressionTrainers, string, string, int, int)"/>
/// or, with every option, <see cref="RecurrentCatalog.RecurrentSeriesRegressor(RegressionCatalog.RegressionTrainers, Options)"/>.
/// <example>
/// <code>
/// // Each row: the last 48 values (float[48], oldest first) in "Features" and the next value in "Label".
/// var model = mlContext.Regression.Trainers.RecurrentSeriesRegressor(labelColumnName: "Label", featureColumnName: "Features", epochs: 30)
///     .Fit(windows);
/// var metrics = mlContext.Regression.Evaluate(model.Transform(testWindows));
/// </code>
/// </example>
/// </remarks>
public sealed class RecurrentSeriesRegressionTrainer : IEstimator<RecurrentModelTransformer>
{
    private readonly MLContext _context;

    /// <summary>Options of <see cref="RecurrentSeriesRegressionTrainer"/>.</summary>
    public sealed class Options : RecurrentTrainerOptionsBase
    {
        /// <summary>
        /// Creates the options with this trainer's defaults: MaxSequenceLength 512, Cell <see cref="Layers.RecurrentCellKind.Gru"/>,
        /// HiddenSize 32, LearningRate 0.003, Epochs 100, EarlyStoppingPatience 8; the rest as on <see cref="RecurrentTrainerOptionsBase"/>.
        /// </summary>
        public Options()
        {
            MaxSequenceLength = RecurrentDefaults.SeriesRegression.MaxSequenceLength;
            Cell = RecurrentDefaults.SeriesRegression.Cell;
            HiddenSize = RecurrentDefaults.SeriesRegression.HiddenSize;
            LearningRate = RecurrentDefaults.SeriesRegression.LearningRate;
            Epochs = RecurrentDefaults.SeriesRegression.Epochs;
            EarlyStoppingPatience = RecurrentDefaults.SeriesRegression.EarlyStoppingPatience;
        }

        /// <summary>The label column (<see cref="float"/>): the value to predict, e.g. the next value of the series. Default "Label".</summary>
        public string LabelColumnName { get; set; } = RecurrentDefaults.LabelColumnName;

        /// <summary>The series column: a vector of <see cref="float"/> (known or variable size), oldest value first. Default "Features".</summary>
        public string FeatureColumnName { get; set; } = RecurrentDefaults.FeatureColumnName;

        /// <summary>
        /// The network predicts the change from the series' last value, which the model adds back
        /// (<see cref="SequenceModelOptions.PredictChange"/>): a forecaster starts from persistence and learns the correction,
        /// so a series that trends beyond its training range keeps its level (Mauna Loa CO2: test RMSE 0.49 instead of 2.4,
        /// docs/forecasting.md). Set false when the label is not a next value of the series. Default true.
        /// </summary>
        public bool PredictChange { get; set; } = RecurrentDefaults.SeriesRegression.PredictChange;
    }

    internal RecurrentSeriesRegressionTrainer(MLContext context, Options options)
    {
        _context = context;
        TrainerOptions = options;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSequenceLength, 1, nameof(options));
    }

    internal Options TrainerOptions { get; }

    /// <summary>The input columns plus Score.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var features = inputSchema.FirstOrDefault(c => c.Name == TrainerOptions.FeatureColumnName);
        if (features.Name is null || features.Kind == SchemaShape.Column.VectorKind.Scalar || features.ItemType != NumberDataViewType.Single)
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{TrainerOptions.FeatureColumnName}' {(features.Name is null ? "was not found" : $"has type {features.ItemType}{(features.Kind == SchemaShape.Column.VectorKind.Scalar ? "" : " vector")}")}; expected a vector of Single.");
        }
        return SavedModelChain.Create(_context, new(SavedModelTask.SeriesRegression, TrainerOptions.FeatureColumnName), "").GetOutputSchema(inputSchema);
    }

    /// <summary>Reads the series, trains, and returns a transformer that predicts with the model.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type.</exception>
    /// <exception cref="ArgumentException">No rows, an empty series, or a non-finite value (the message names the row).</exception>
    public RecurrentModelTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var rows = ReadRows(input, TrainerOptions.FeatureColumnName, TrainerOptions.LabelColumnName, nameof(input));
        if (rows.Count == 0)
        {
            throw new ArgumentException($"The training data is empty: no rows in columns '{TrainerOptions.FeatureColumnName}' and '{TrainerOptions.LabelColumnName}'.", nameof(input));
        }
        var (mean, std) = Statistics(rows);
        var examples = Encode(rows, mean, std, TrainerOptions.MaxSequenceLength);
        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.Regression, InputFeatures = 1, Cell = TrainerOptions.Cell, HiddenSize = TrainerOptions.HiddenSize,
            NumLayers = TrainerOptions.NumLayers, OutputSize = 1, Dropout = TrainerOptions.Dropout, PredictChange = TrainerOptions.PredictChange,
        }, TrainerOptions.Seed);
        var result = TrainerOptions.Train(model, examples, holdOutLast: true);
        return CreateTransformer(_context, TrainerOptions.FeatureColumnName, model, mean, std, TrainerOptions.MaxSequenceLength, result, input, Profile(rows, TrainerOptions.MaxSequenceLength));
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
        int maxLength, TrainingResult? result, IDataView input, Serialization.DataProfile profile) =>
        SavedModelChain.Fit(context, new(SavedModelTask.SeriesRegression, featureColumn), model, null, null, maxLength, result, input,
            [new(BundleKeys.SeriesMean, mean), new(BundleKeys.SeriesStd, std), .. profile.ToNumbers()]);

    // The training series' profile (lengths, truncation, value range), recorded in the model for drift checks.
    internal static Serialization.DataProfile Profile(List<(float[] Series, float Label)> rows, int maxLength) =>
        Serialization.DataProfile.FromSeries(rows.Select(r => r.Series), maxLength);

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
