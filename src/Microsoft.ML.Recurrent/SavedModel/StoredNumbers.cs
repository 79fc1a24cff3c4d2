using System.Globalization;
using Microsoft.ML.Recurrent.Serialization;

namespace Microsoft.ML.Recurrent.SavedModel;

/// <summary>
/// The numbers a saved model's file carries (<see cref="BundleKeys"/>), validated when the model is decoded: a file is
/// untrusted input, and an out-of-range number would make prediction loop forever, index out of range or return garbage.
/// A number the file does not carry takes the value training would have written for it.
/// </summary>
/// <param name="MaxSequenceLength">Inputs are cut (or read in windows) to this many steps: 1 to <see cref="int.MaxValue"/>.</param>
/// <param name="SeriesMean">A series regressor's training mean: finite, within the float range.</param>
/// <param name="SeriesStd">A series regressor's training standard deviation: above 1e-12 (as training writes it), within the float range.</param>
internal sealed record StoredNumbers(int MaxSequenceLength, double SeriesMean, double SeriesStd)
{
    /// <summary>The smallest standard deviation training stores (a smaller one is replaced by 1).</summary>
    public const double MinSeriesStd = 1e-12;

    /// <summary>Reads and validates the numbers of a decoded model file.</summary>
    /// <exception cref="InvalidDataException">A number is out of its range; the message names its key and the range.</exception>
    public static StoredNumbers Read(RecurrentModelFile bundle)
    {
        var numbers = bundle.NumericMetadata;
        int maxLength = int.MaxValue;
        if (numbers.TryGetValue(BundleKeys.MaxSequenceLength, out double max))
        {
            if (!(max >= 1 && max <= int.MaxValue && Math.Floor(max) == max))
            {
                throw Invalid(BundleKeys.MaxSequenceLength, max, "a whole number from 1 to 2147483647");
            }
            maxLength = (int)max;
        }
        double mean = numbers.GetValueOrDefault(BundleKeys.SeriesMean, 0.0);
        if (!(Math.Abs(mean) <= float.MaxValue))
        {
            throw Invalid(BundleKeys.SeriesMean, mean, "a finite number within the float range (at most 3.4028235E+38 in size)");
        }
        double std = numbers.GetValueOrDefault(BundleKeys.SeriesStd, 1.0);
        if (!(std > MinSeriesStd && std <= float.MaxValue))
        {
            throw Invalid(BundleKeys.SeriesStd, std, "a number above 1E-12 and at most 3.4028235E+38");
        }
        return new StoredNumbers(maxLength, mean, std);
    }

    private static InvalidDataException Invalid(string key, double value, string allowed) =>
        new(string.Create(CultureInfo.InvariantCulture, $"The recurrent model's stored number \"{key}\" is {value:R}; it must be {allowed}. The model file is corrupt or was tampered with."));
}
