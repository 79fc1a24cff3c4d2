using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Every default of the plugin's trainers, in one place: the nested <c>Options</c> classes initialise their properties
/// from here and the simple catalog overloads take their default arguments from here, so the two cannot disagree.
/// The options' documentation states the same values (checked by a test against this class).
/// </summary>
internal static class RecurrentDefaults
{
    public const string LabelColumnName = "Label";
    public const string TextColumnName = "Text";
    public const string TokensColumnName = "Tokens";
    public const string FeatureColumnName = "Features";
    public const int Seed = 0;

    /// <summary>
    /// Every trainer stops once it has trained this long (keeping the best weights so far): what a user waits for a
    /// default model of a big data set. The shipped samples and the tests' data finish long before.
    /// </summary>
    public static readonly TimeSpan TimeLimit = TimeSpan.FromMinutes(5);

    /// <summary>The binary and multiclass text classifiers (<see cref="RecurrentTextClassificationOptionsBase"/>).</summary>
    internal static class TextClassification
    {
        public const bool WordTokens = true;
        public const int MinTokenCount = 1;
        public const int MaxSequenceLength = 256;
        public const RecurrentCellKind Cell = RecurrentCellKind.Lstm;
        public const int EmbeddingSize = 64;
        public const int HiddenSize = 64;
        public const int NumLayers = 1;
        public const bool Bidirectional = true;
        public const float Dropout = 0f;
        public const SequencePooling Pooling = SequencePooling.Max;
        public const OptimizerKind Optimizer = OptimizerKind.Adam;
        public const double LearningRate = 3e-3;
        public const int Epochs = 30;
        public const int BatchSize = 16;
        public const double ValidationFraction = 0.1;
        public const int EarlyStoppingPatience = 8;
        public const float EmbeddingDropout = 0.1f;
        public const float InputDropout = 0.2f;
        public const float WeightDropout = 0.2f;
        public const float OutputDropout = 0.3f;
        public const double WeightDecay = 1e-4;
        public const bool CalibrateProbabilities = true;
        public const bool RefitOnAllRows = false;
        public const double AveragingDecay = 0.99;
        public const bool CharacterAwareWords = false;
        public const int CharacterEmbeddingSize = 16;
        public const int CharacterFilters = 32;
        public const bool WideNgrams = false;
        public const bool NgramEnsemble = true;
        public const bool NgramNaiveBayes = true;
        public const bool KeepNgramNaiveBayes = true;
        public const int EnsembleSize = 0;
    }

    /// <summary>What the language model, the tagger and the series regressor share (<see cref="RecurrentTrainerOptionsBase"/>).</summary>
    internal static class Training
    {
        public const int MaxSequenceLength = 256;
        public const RecurrentCellKind Cell = RecurrentCellKind.Lstm;
        public const int HiddenSize = 64;
        public const int NumLayers = 1;
        public const OptimizerKind Optimizer = OptimizerKind.Adam;
        public const double LearningRate = 2e-3;
        public const int Epochs = 10;
        public const int BatchSize = 32;
        public const float Dropout = 0f;
        public const double ValidationFraction = 0.1;
        public const int EarlyStoppingPatience = 3;
        public const float EmbeddingDropout = 0f;
        public const float InputDropout = 0f;
        public const float WeightDropout = 0f;
        public const float OutputDropout = 0f;
        public const double WeightDecay = 0;
    }

    /// <summary>The sequence-to-sequence transform (<see cref="RecurrentSequenceToSequenceEstimator.Options"/>).</summary>
    internal static class SequenceToSequence
    {
        public const string OutputColumnName = "PredictedText";
        public const int HiddenSize = 128;
        public const int EmbeddingSize = 64;
        public const int Epochs = 20;
        public const double LearningRate = 3e-3;
        public const int BeamWidth = 4;
        public const float LabelSmoothing = 0.1f;
    }

    /// <summary>The next-token language model (and the featurizer, which trains one).</summary>
    internal static class LanguageModel
    {
        public const bool WordTokens = false;
        public const int MinTokenCount = 1;
        public const int EmbeddingSize = 64;
        public const int HiddenSize = 128;
        public const int Epochs = Training.Epochs;
    }

    /// <summary>The sequence tagger.</summary>
    internal static class SequenceTagging
    {
        public const int MinTokenCount = 2;
        public const int EmbeddingSize = 64;
        public const int Epochs = 5;
        public const bool CharacterAwareWords = true;
        public const int CharacterEmbeddingSize = 16;
        public const int CharacterFilters = 32;
    }

    /// <summary>The series regressor.</summary>
    internal static class SeriesRegression
    {
        public const int MaxSequenceLength = 512;
        public const RecurrentCellKind Cell = RecurrentCellKind.Gru;
        public const int HiddenSize = 32;
        public const double LearningRate = 3e-3;
        public const int Epochs = 100;
        public const int EarlyStoppingPatience = 8;
        public const bool PredictChange = true;
    }
}
